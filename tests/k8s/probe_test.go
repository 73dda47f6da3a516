package k8s

import (
	_ "github.com/kept-ogp/kept/services/devenv/ferret"
	_ "github.com/kept-ogp/kept/services/devenv/redisserver"
	_ "helm.sh/helm/v4/pkg/action"
	_ "k8s.io/client-go/kubernetes/scheme"
	_ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
)
