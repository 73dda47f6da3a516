module github.com/kept-ogp/kept/services/updates

go 1.26.8
