module github.com/kept-ogp/kept/tests

go 1.26.8

require github.com/kept-ogp/kept/services/devenv v0.0.0

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/redis/go-redis/v9 v9.23.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace (
	github.com/kept-ogp/kept/proto => ../proto
	github.com/kept-ogp/kept/services/commitments => ../services/commitments
	github.com/kept-ogp/kept/services/dashboards => ../services/dashboards
	github.com/kept-ogp/kept/services/devenv => ../services/devenv
	github.com/kept-ogp/kept/services/kit => ../services/kit
	github.com/kept-ogp/kept/services/updates => ../services/updates
)
