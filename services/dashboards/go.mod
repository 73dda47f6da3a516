module github.com/kept-ogp/kept/services/dashboards

go 1.26.8
