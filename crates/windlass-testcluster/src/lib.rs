//! A throwaway real control plane (etcd, kube-apiserver, kube-controller-manager)
//! plus a simulated node, for tests. Dev only.
