//! Everything that talks to a Kubernetes cluster: a client found the way
//! kubectl finds one, server-side apply with Helm's ownership metadata, deletes
//! with propagation, watch-based waits, logs, read-only lookups, and the
//! `secret` release driver in Helm's exact format.
