module github.com/kept-ogp/kept/services/kept

go 1.26.8

require (
	github.com/FerretDB/FerretDB v1.24.2 // indirect
	github.com/alicebob/miniredis/v2 v2.40.0 // indirect
	github.com/yuin/gopher-lua v1.1.1 // indirect
)
