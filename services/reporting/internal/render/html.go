package render

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
)

// The page is printable (print styles, no scripts), accessible (language,
// one h1, headings in order, header cells with scope, nothing said by colour
// alone) and escapes every user text through html/template.
var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;background:#fff}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #555;padding:.3rem .5rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:bold}
p,li,td{white-space:pre-line}
a{color:#0645ad}
@media print{body{margin:0;max-width:none}a{color:#000}a::after{content:" (" attr(href) ")"}h2,h3{break-after:avoid}table{break-inside:auto}}
</style>
</head>
<body>
<main>
{{range .Blocks}}{{template "block" .}}{{end}}<p class="generated">{{$.Generated}}</p>
</main>
</body>
</html>
{{define "spans"}}{{range .}}{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else if .Strong}}<strong>{{.Text}}</strong>{{else}}{{.Text}}{{end}}{{end}}{{end}}
{{define "block"}}{{if eq .Kind 1}}{{if eq .Level 1}}<h1>{{template "spans" .Spans}}</h1>
{{else if eq .Level 2}}<h2>{{template "spans" .Spans}}</h2>
{{else if eq .Level 3}}<h3>{{template "spans" .Spans}}</h3>
{{else}}<h4>{{template "spans" .Spans}}</h4>
{{end}}{{else if eq .Kind 2}}<p>{{template "spans" .Spans}}</p>
{{else if eq .Kind 3}}<ul>
{{range .Items}}<li>{{template "spans" .}}</li>
{{end}}</ul>
{{else if eq .Kind 4}}<table>
<caption>{{.Caption}}</caption>
<thead><tr>{{range .Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{$rh := .RowHeads}}{{range .Rows}}<tr>{{range $i, $c := .}}{{if and $rh (eq $i 0)}}<th scope="row">{{template "spans" $c}}</th>{{else}}<td>{{template "spans" $c}}</td>{{end}}{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}{{end}}`))

// HTML writes d as a standalone page with its generated-at line.
func HTML(w io.Writer, d Document, generated string) error {
	var b bytes.Buffer
	if err := page.Execute(&b, struct {
		Document
		Generated string
	}{d, generated}); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}
