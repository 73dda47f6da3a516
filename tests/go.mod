module github.com/kept-ogp/kept/tests

go 1.26.8
