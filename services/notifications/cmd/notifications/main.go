// Command notifications runs the notifications service alone, as on
// Kubernetes.
package main

import (
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/notifications/app"
)

func main() { runtime.Main(app.Name, app.Build) }
