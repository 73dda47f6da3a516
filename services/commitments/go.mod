module github.com/kept-ogp/kept/services/commitments

go 1.26.8
