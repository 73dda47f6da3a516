// Command qa runs the questions-and-answers service alone, as on Kubernetes.
package main

import (
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/qa/app"
)

func main() { runtime.Main(app.Name, app.Build) }
