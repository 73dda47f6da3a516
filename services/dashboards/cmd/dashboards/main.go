// Command dashboards runs the dashboards service alone, as on Kubernetes.
package main

import (
	"github.com/kept-ogp/kept/services/dashboards/app"
	"github.com/kept-ogp/kept/services/kit/runtime"
)

func main() { runtime.Main(app.Name, app.Build) }
