//! [`Kube`]: a connection to one cluster, found the way kubectl finds it, and
//! the object calls everything else is built from (apply, get, list, delete),
//! on any kind, with discovery cached and transient failures retried.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PropagationPolicy,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{ApiResource, Scope};
use kube::{Client, Config};
use serde_json::Value;

use crate::error::{KubeError, Result};
use crate::object::ObjectRef;
use crate::retry::{retry, retry_conflicts};

/// The field manager of every server-side apply.
pub const FIELD_MANAGER: &str = "windlass";

/// How to find the cluster: like kubectl, `--kubeconfig` first, then
/// `KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account;
/// `--kube-context` picks a context other than the current one.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--kube-context`.
    pub context: Option<String>,
}

/// A connection to one cluster.
pub struct Kube {
    client: Client,
    default_namespace: String,
    resources: Mutex<HashMap<(String, String), (ApiResource, bool)>>,
}

impl std::fmt::Debug for Kube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kube")
            .field("default_namespace", &self.default_namespace)
            .finish_non_exhaustive()
    }
}

/// How dependents of a deleted object go (`--cascade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    /// The object goes now, dependents after it (Helm's default for hooks and uninstall).
    Background,
    /// Dependents first, then the object.
    Foreground,
    /// Dependents are left behind.
    Orphan,
}

impl Kube {
    /// Connects as kubectl would.
    ///
    /// # Errors
    /// No kubeconfig and not in a cluster, an unknown context, an unreadable file.
    pub async fn connect(opts: &ConnectOptions) -> Result<Kube> {
        let kube_opts = KubeConfigOptions {
            context: opts.context.clone(),
            ..KubeConfigOptions::default()
        };
        let config = match &opts.kubeconfig {
            Some(path) => {
                let kubeconfig = Kubeconfig::read_from(path).map_err(|e| {
                    KubeError::new(format!("reading kubeconfig {}: {e}", path.display()))
                })?;
                Config::from_custom_kubeconfig(kubeconfig, &kube_opts)
                    .await
                    .map_err(|e| KubeError::new(format!("kubeconfig {}: {e}", path.display())))?
            }
            None if opts.context.is_some() => Config::from_kubeconfig(&kube_opts)
                .await
                .map_err(|e| KubeError::new(format!("kubeconfig: {e}")))?,
            None => Config::infer().await.map_err(|e| {
                KubeError::new(format!(
                    "no cluster found (KUBECONFIG, ~/.kube/config, in-cluster): {e}"
                ))
            })?,
        };
        Kube::from_config(config)
    }

    /// A connection from a ready kube `Config`.
    ///
    /// # Errors
    /// The client could not be built (TLS settings).
    pub fn from_config(config: Config) -> Result<Kube> {
        let default_namespace = config.default_namespace.clone();
        let client = Client::try_from(config)
            .map_err(|e| KubeError::from_kube(e, "building the cluster client"))?;
        Ok(Kube {
            client,
            default_namespace,
            resources: Mutex::new(HashMap::new()),
        })
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The kubeconfig context's namespace (`default` when it names none).
    pub fn default_namespace(&self) -> &str {
        &self.default_namespace
    }

    /// The server's version, such as `v1.20.2`.
    ///
    /// # Errors
    /// The server did not answer.
    pub async fn server_version(&self) -> Result<String> {
        let info = retry("get server version", || self.client.apiserver_version()).await?;
        Ok(info.git_version)
    }

    /// Every `group/version` the server serves (`.Capabilities.APIVersions`).
    ///
    /// # Errors
    /// The server did not answer.
    pub async fn api_versions(&self) -> Result<Vec<String>> {
        let mut versions = Vec::new();
        let core = retry("list core API versions", || {
            self.client.list_core_api_versions()
        })
        .await?;
        versions.extend(core.versions);
        let groups = retry("list API groups", || self.client.list_api_groups()).await?;
        for group in groups.groups {
            versions.extend(group.versions.into_iter().map(|v| v.group_version));
        }
        Ok(versions)
    }

    /// What the server calls `kind` in `api_version`, and whether it is
    /// namespaced. Found ones are cached; a kind not (yet) served is asked
    /// again next time, since a chart may have just installed its CRD.
    ///
    /// # Errors
    /// The server does not serve that kind.
    pub async fn resolve(&self, api_version: &str, kind: &str) -> Result<(ApiResource, bool)> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(found) = self
            .resources
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(found);
        }
        let (group, version) = match api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", api_version),
        };
        let gvk = kube::api::GroupVersionKind::gvk(group, version, kind);
        let doing = format!("find kind {kind} in {api_version}");
        let (resource, caps) = retry(&doing, || kube::discovery::pinned_kind(&self.client, &gvk))
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    KubeError::new(format!(
                        "the cluster does not serve kind {kind} in {api_version} \
                         (is its CustomResourceDefinition installed?)"
                    ))
                } else {
                    e
                }
            })?;
        let found = (resource, caps.scope == Scope::Namespaced);
        if let Ok(mut cache) = self.resources.lock() {
            cache.insert(key, found.clone());
        }
        Ok(found)
    }

    /// A dynamic API for the object, and the object's namespace if it is
    /// namespaced (its own, else `default_namespace`).
    pub(crate) async fn api_for(
        &self,
        object: &ObjectRef,
        default_namespace: &str,
    ) -> Result<(Api<DynamicObject>, Option<String>)> {
        let (resource, namespaced) = self.resolve(&object.api_version, &object.kind).await?;
        if namespaced {
            let namespace = object
                .namespace
                .clone()
                .unwrap_or_else(|| default_namespace.to_string());
            let api = Api::namespaced_with(self.client.clone(), &namespace, &resource);
            Ok((api, Some(namespace)))
        } else {
            Ok((Api::all_with(self.client.clone(), &resource), None))
        }
    }

    /// Server-side applies `object` (field manager `windlass`, taking over
    /// fields other managers own, as Helm 4 does), in `default_namespace` if
    /// it is namespaced and names none. Returns the object as stored.
    ///
    /// # Errors
    /// The object is not a Kubernetes object, or the server refused it.
    pub async fn apply(&self, object: &Value, default_namespace: &str) -> Result<Value> {
        let target = ObjectRef::of(object, default_namespace)?;
        let (api, namespace) = self.api_for(&target, default_namespace).await?;
        let mut body = object.clone();
        crate::object::set_namespace(&mut body, namespace.as_deref());
        crate::defaults::fill_list_map_keys(&mut body);
        let params = PatchParams::apply(FIELD_MANAGER).force();
        let doing = format!("apply {target}");
        let patch = Patch::Apply(&body);
        let applied = retry_conflicts(&doing, || api.patch(&target.name, &params, &patch)).await?;
        serde_json::to_value(applied).map_err(|e| KubeError::new(format!("{doing}: {e}")))
    }

    /// One object, or `None` if it does not exist.
    ///
    /// # Errors
    /// The kind is unknown or the server refused.
    pub async fn get(&self, target: &ObjectRef) -> Result<Option<Value>> {
        let (api, _) = self.api_for(target, &self.default_namespace).await?;
        let doing = format!("get {target}");
        match retry(&doing, || api.get_opt(&target.name)).await? {
            Some(object) => serde_json::to_value(object)
                .map(Some)
                .map_err(|e| KubeError::new(format!("{doing}: {e}"))),
            None => Ok(None),
        }
    }

    /// Objects of a kind in `namespace` (`None`: all namespaces, or the
    /// cluster for cluster-scoped kinds), matching `label_selector`.
    ///
    /// # Errors
    /// The kind is unknown or the server refused.
    pub async fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>> {
        let (resource, namespaced) = self.resolve(api_version, kind).await?;
        let api: Api<DynamicObject> = match namespace {
            Some(ns) if namespaced => Api::namespaced_with(self.client.clone(), ns, &resource),
            _ => Api::all_with(self.client.clone(), &resource),
        };
        let mut params = ListParams::default();
        if let Some(selector) = label_selector.filter(|s| !s.is_empty()) {
            params = params.labels(selector);
        }
        let doing = match namespace {
            Some(ns) if namespaced => format!("list {kind} in namespace {ns}"),
            _ => format!("list {kind}"),
        };
        let list = retry(&doing, || api.list(&params)).await?;
        list.items
            .into_iter()
            .map(|item| {
                let mut value = serde_json::to_value(item)
                    .map_err(|e| KubeError::new(format!("{doing}: {e}")))?;
                // List items come without their type; lookups hand out whole objects.
                if let Some(map) = value.as_object_mut() {
                    map.insert("apiVersion".into(), Value::from(api_version));
                    map.insert("kind".into(), Value::from(kind));
                }
                Ok(value)
            })
            .collect()
    }

    /// Deletes an object. Returns its uid if it existed (for waiting until it
    /// is gone), `None` if it was already gone.
    ///
    /// # Errors
    /// The server refused.
    pub async fn delete(
        &self,
        target: &ObjectRef,
        propagation: Propagation,
    ) -> Result<Option<String>> {
        let (api, _) = self.api_for(target, &self.default_namespace).await?;
        let params = DeleteParams {
            propagation_policy: Some(match propagation {
                Propagation::Background => PropagationPolicy::Background,
                Propagation::Foreground => PropagationPolicy::Foreground,
                Propagation::Orphan => PropagationPolicy::Orphan,
            }),
            ..DeleteParams::default()
        };
        let doing = format!("delete {target}");
        match retry(&doing, || api.delete(&target.name, &params)).await {
            Ok(either) => Ok(either
                .left()
                .and_then(|o| o.metadata.uid)
                .or(Some(String::new()))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates the namespace unless it exists (`--create-namespace`).
    ///
    /// # Errors
    /// The server refused.
    pub async fn ensure_namespace(&self, name: &str) -> Result<()> {
        let target = ObjectRef {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: None,
            name: name.to_string(),
        };
        if self.get(&target).await?.is_some() {
            return Ok(());
        }
        let namespace = serde_json::json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}
        });
        let api: Api<DynamicObject> = Api::all_with(
            self.client.clone(),
            &ApiResource::erase::<k8s_openapi::api::core::v1::Namespace>(&()),
        );
        let body: DynamicObject = serde_json::from_value(namespace)
            .map_err(|e| KubeError::new(format!("namespace {name}: {e}")))?;
        let doing = format!("create namespace {name}");
        let params = kube::api::PostParams::default();
        match retry(&doing, || api.create(&params, &body)).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_conflict() => Ok(()),
            Err(e) => Err(e),
        }
    }
}
