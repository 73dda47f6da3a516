// Package k8s checks kept's Kubernetes artefacts without a cluster: it renders
// charts/kept with the Helm v4 SDK for the default values and the examples in
// deploy/, decodes every object strictly with client-go's scheme and the
// Prometheus Operator's types, checks the invariants the chart promises (probes,
// selectors, network policies, resources, security settings, grace periods),
// lints the chart strictly, checks the Dockerfile against `make build`, and
// starts each service binary with exactly the environment of its rendered
// Deployment to see its readiness probe answer.
//
// Everything is in the tests; run them with `go test ./...` in this directory.
package k8s
