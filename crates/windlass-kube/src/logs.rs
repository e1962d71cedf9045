//! Pod logs of hooks: which pods a hook ran (a Job's by its `job-name` label
//! and owner, a Pod itself), their containers' last lines, and live streams.

use futures::{AsyncBufReadExt, TryStreamExt};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};

use crate::client::Kube;
use crate::error::{KubeError, Result};
use crate::object::ObjectRef;
use crate::retry::retry;

/// One container of one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRef {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name (init containers first, in spec order).
    pub container: String,
    /// Its exit code, if it has ended.
    pub exit_code: Option<i32>,
}

impl Kube {
    /// The containers of the pods a hook object ran, oldest pod first: a Job's
    /// pods (label `job-name`), a Pod's own; none for other kinds.
    ///
    /// # Errors
    /// The pods could not be listed.
    pub async fn hook_containers(&self, target: &ObjectRef) -> Result<Vec<ContainerRef>> {
        let namespace = target
            .namespace
            .clone()
            .unwrap_or_else(|| self.default_namespace().to_string());
        let api: Api<Pod> = Api::namespaced(self.client().clone(), &namespace);
        let mut pods = match (target.api_version.as_str(), target.kind.as_str()) {
            ("batch/v1", "Job") => {
                let params = ListParams::default().labels(&format!("job-name={}", target.name));
                let doing = format!("list pods of {target}");
                let pods = retry(&doing, || api.list(&params)).await?.items;
                // Pods of an earlier Job of the same name may not be collected
                // yet: keep the live Job's own, when there is a live Job.
                let jobs: Api<Job> = Api::namespaced(self.client().clone(), &namespace);
                let doing = format!("get {target}");
                match retry(&doing, || jobs.get_opt(&target.name)).await? {
                    Some(job) => {
                        let uid = job.metadata.uid.unwrap_or_default();
                        pods.into_iter()
                            .filter(|pod| {
                                pod.metadata
                                    .owner_references
                                    .iter()
                                    .flatten()
                                    .any(|owner| owner.uid == uid)
                            })
                            .collect()
                    }
                    None => pods,
                }
            }
            ("v1", "Pod") => {
                let doing = format!("get {target}");
                retry(&doing, || api.get_opt(&target.name))
                    .await?
                    .into_iter()
                    .collect()
            }
            _ => Vec::new(),
        };
        pods.sort_by(|a, b| {
            a.metadata
                .creation_timestamp
                .cmp(&b.metadata.creation_timestamp)
        });
        let mut containers = Vec::new();
        for pod in pods {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let status = pod.status.unwrap_or_default();
            let exit_code = |container: &str| {
                status
                    .init_container_statuses
                    .iter()
                    .flatten()
                    .chain(status.container_statuses.iter().flatten())
                    .find(|s| s.name == container)
                    .and_then(|s| Some(s.state.as_ref()?.terminated.as_ref()?.exit_code))
            };
            let spec = pod.spec.unwrap_or_default();
            for container in spec
                .init_containers
                .unwrap_or_default()
                .into_iter()
                .chain(spec.containers)
            {
                containers.push(ContainerRef {
                    namespace: namespace.clone(),
                    pod: name.clone(),
                    exit_code: exit_code(&container.name),
                    container: container.name,
                });
            }
        }
        Ok(containers)
    }

    /// A container's log, the last `tail_lines` lines if given.
    ///
    /// # Errors
    /// The server (or the node behind it) could not give the log.
    pub async fn container_log(
        &self,
        container: &ContainerRef,
        tail_lines: Option<i64>,
    ) -> Result<String> {
        let api: Api<Pod> = Api::namespaced(self.client().clone(), &container.namespace);
        let params = LogParams {
            container: Some(container.container.clone()),
            tail_lines,
            ..LogParams::default()
        };
        let doing = format!(
            "logs of pod {}/{} ({})",
            container.namespace, container.pod, container.container
        );
        retry(&doing, || api.logs(&container.pod, &params)).await
    }

    /// Follows a container's log until the container ends, handing each line
    /// to `on_line`.
    ///
    /// # Errors
    /// The stream could not be opened or broke off.
    pub async fn follow_container_log(
        &self,
        container: &ContainerRef,
        on_line: &(dyn Fn(String) + Send + Sync),
    ) -> Result<()> {
        let api: Api<Pod> = Api::namespaced(self.client().clone(), &container.namespace);
        let params = LogParams {
            container: Some(container.container.clone()),
            follow: true,
            ..LogParams::default()
        };
        let doing = format!(
            "follow logs of pod {}/{} ({})",
            container.namespace, container.pod, container.container
        );
        let stream = api
            .log_stream(&container.pod, &params)
            .await
            .map_err(|e| KubeError::from_kube(e, &doing))?;
        let mut lines = std::pin::pin!(stream.lines());
        while let Some(line) = lines
            .try_next()
            .await
            .map_err(|e| KubeError::new(format!("{doing}: {e}")))?
        {
            on_line(line);
        }
        Ok(())
    }
}
