// Package api is the commitments service's HTTP interface: the public read API
// (no login) and the PoC's writes (plan import, deadlines set by hand).
package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/commitments/internal/catalog"
	"github.com/kept-ogp/kept/services/commitments/internal/planfile"
	"github.com/kept-ogp/kept/services/commitments/internal/store"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/httpserver"
)

// MaxImportBytes bounds an uploaded plan file.
const MaxImportBytes = 32 << 20

// Importer is the import use case the API calls.
type Importer interface {
	Import(ctx context.Context, r io.Reader, filename string, opts planfile.Options, by string) (*store.Revision, error)
	SetDeadline(ctx context.Context, planID, code string, d catalog.Deadline) (*store.PlanDoc, error)
}

// Handler serves the commitments routes.
type Handler struct {
	Store    *store.Store
	Importer Importer
	Verifier auth.Verifier
	Logger   *slog.Logger
}

// Routes mounts the API on r.
func (h *Handler) Routes(r gin.IRouter) {
	v1 := r.Group("/api/v1")
	v1.GET("/plans", h.listPlans)
	v1.GET("/plans/:plan", h.getPlan)
	v1.GET("/plans/:plan/commitments", h.listCommitments)
	v1.GET("/plans/:plan/commitments/:code", h.getCommitment)
	v1.GET("/plans/:plan/items/:code", h.getItem)
	v1.GET("/plans/:plan/organisations", h.listOrganisations)
	v1.GET("/plans/:plan/revisions", h.listRevisions)

	w := v1.Group("", auth.Authenticate(h.Verifier), auth.RequireAny(auth.KindAdmin, auth.KindPoC))
	w.POST("/plans/import", h.importPlan)
	w.PUT("/plans/:plan/items/:code/deadline", h.setDeadline)
}

type planSummary struct {
	ID        string         `json:"id"`
	Title     catalog.Text   `json:"title"`
	Start     string         `json:"start"`
	End       string         `json:"end"`
	Languages []string       `json:"languages"`
	Revision  int64          `json:"revision"`
	Version   int64          `json:"version"`
	Counts    catalog.Counts `json:"counts"`
	UpdatedAt string         `json:"updated_at"`
}

func summary(d store.PlanDoc) planSummary {
	return planSummary{ID: d.ID, Title: d.Plan.Title, Start: d.Plan.Start, End: d.Plan.End, Languages: d.Plan.Languages,
		Revision: d.Revision, Version: d.Version, Counts: d.Counts, UpdatedAt: d.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")}
}

func (h *Handler) listPlans(c *gin.Context) {
	docs, err := h.Store.List(c.Request.Context())
	if err != nil {
		h.internal(c, err)
		return
	}
	out := make([]planSummary, 0, len(docs))
	for _, d := range docs {
		out = append(out, summary(d))
	}
	c.JSON(http.StatusOK, gin.H{"plans": out})
}

func (h *Handler) plan(c *gin.Context) (*store.PlanDoc, bool) {
	d, err := h.Store.Get(c.Request.Context(), c.Param("plan"))
	if errors.Is(err, store.ErrNotFound) {
		httpserver.Error(c, http.StatusNotFound, "not_found", fmt.Sprintf("no plan %q", c.Param("plan")))
		return nil, false
	}
	if err != nil {
		h.internal(c, err)
		return nil, false
	}
	return d, true
}

func (h *Handler) getPlan(c *gin.Context) {
	d, ok := h.plan(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan": summary(*d), "commitments": d.Plan.Commitments})
}

func (h *Handler) listCommitments(c *gin.Context) {
	d, ok := h.plan(c)
	if !ok {
		return
	}
	type row struct {
		Code       string        `json:"code"`
		Title      catalog.Text  `json:"title"`
		LeadOrgs   []catalog.Org `json:"lead_orgs"`
		Milestones int           `json:"milestones"`
	}
	out := make([]row, 0, len(d.Plan.Commitments))
	for _, cm := range d.Plan.Commitments {
		out = append(out, row{Code: cm.Code, Title: cm.Title, LeadOrgs: cm.LeadOrgs, Milestones: len(cm.Milestones)})
	}
	c.JSON(http.StatusOK, gin.H{"plan": d.ID, "commitments": out})
}

func (h *Handler) getCommitment(c *gin.Context) {
	d, ok := h.plan(c)
	if !ok {
		return
	}
	cm, found := d.Plan.Commitment(c.Param("code"))
	if !found {
		httpserver.Error(c, http.StatusNotFound, "not_found", fmt.Sprintf("no commitment %q in plan %s", c.Param("code"), d.ID))
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan": d.ID, "commitment": cm})
}

func (h *Handler) getItem(c *gin.Context) {
	d, ok := h.plan(c)
	if !ok {
		return
	}
	it, found := d.Plan.Find(c.Param("code"))
	if !found {
		httpserver.Error(c, http.StatusNotFound, "not_found", fmt.Sprintf("no milestone or indicator %q in plan %s", c.Param("code"), d.ID))
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan": d.ID, "item": it})
}

func (h *Handler) listOrganisations(c *gin.Context) {
	d, ok := h.plan(c)
	if !ok {
		return
	}
	type org struct {
		catalog.Org
		Leads []string `json:"leads"`
	}
	var out []org
	idx := map[string]int{}
	for _, o := range d.Plan.Organisations() {
		idx[o.Code] = len(out)
		out = append(out, org{Org: o, Leads: []string{}})
	}
	lead := func(os []catalog.Org, code string) {
		for _, o := range os {
			out[idx[o.Code]].Leads = append(out[idx[o.Code]].Leads, code)
		}
	}
	for _, cm := range d.Plan.Commitments {
		lead(cm.LeadOrgs, cm.Code)
		for _, m := range cm.Milestones {
			lead(m.LeadOrgs, m.Code)
			for _, i := range m.Indicators {
				lead(i.LeadOrgs, i.Code)
			}
		}
	}
	if out == nil {
		out = []org{}
	}
	c.JSON(http.StatusOK, gin.H{"plan": d.ID, "organisations": out})
}

func (h *Handler) listRevisions(c *gin.Context) {
	d, ok := h.plan(c)
	if !ok {
		return
	}
	revs, err := h.Store.Revisions(c.Request.Context(), d.ID)
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan": d.ID, "revisions": revs})
}

var encodingName = regexp.MustCompile(`^[a-zA-Z0-9_-]{0,32}$`)

// importPlan takes the file as a multipart "file" field or as the raw body
// with ?filename=; ?encoding= names a legacy encoding.
func (h *Handler) importPlan(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxImportBytes)
	enc := c.Query("encoding")
	if !encodingName.MatchString(enc) {
		httpserver.Error(c, http.StatusBadRequest, "bad_encoding", "encoding must be a name such as windows-1252 or big5")
		return
	}
	filename, body, err := readUpload(c)
	if err != nil {
		httpserver.Error(c, http.StatusBadRequest, "bad_upload", err.Error())
		return
	}
	p := auth.FromContext(c)
	rev, err := h.Importer.Import(c.Request.Context(), bytes.NewReader(body), filename, planfile.Options{Encoding: enc, Sheet: c.Query("sheet")}, p.Name)
	var verr *planfile.ValidationError
	switch {
	case errors.As(err, &verr):
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_plan_file",
			fmt.Sprintf("%s: %d problem(s), nothing was imported", filename, len(verr.Errors)), verr.Errors)
	case errors.Is(err, store.ErrConflict):
		httpserver.Error(c, http.StatusConflict, "conflict", err.Error())
	case err != nil:
		h.internal(c, err)
	default:
		h.Logger.InfoContext(c.Request.Context(), "plan imported", "plan", rev.PlanID, "revision", rev.Revision, "by_token", p.TokenID)
		c.JSON(http.StatusCreated, gin.H{"revision": rev})
	}
}

func readUpload(c *gin.Context) (string, []byte, error) {
	if strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		fh, err := c.FormFile("file")
		if err != nil {
			return "", nil, fmt.Errorf("multipart upload needs a \"file\" field: %w", err)
		}
		f, err := fh.Open()
		if err != nil {
			return "", nil, fmt.Errorf("open upload: %w", err)
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		return filepath.Base(fh.Filename), b, err
	}
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return "", nil, fmt.Errorf("read body (at most %d bytes): %w", MaxImportBytes, err)
	}
	name := filepath.Base(c.Query("filename"))
	if name == "." || name == "/" || name == "" {
		name = "upload.csv"
	}
	return name, b, nil
}

// Digest is the hex SHA-256 of an imported file, kept with its revision.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (h *Handler) setDeadline(c *gin.Context) {
	var req struct {
		Due  string `json:"due"`
		Note string `json:"note"`
	}
	err := c.ShouldBindJSON(&req)
	if err == nil && dateRE.MatchString(req.Due) {
		_, err = time.Parse("2006-01-02", req.Due)
	}
	if err != nil || !dateRE.MatchString(req.Due) {
		httpserver.Error(c, http.StatusBadRequest, "bad_request", `body must be {"due":"YYYY-MM-DD","note":"why"}`)
		return
	}
	d, ok := h.plan(c)
	if !ok {
		return
	}
	it, found := d.Plan.Find(c.Param("code"))
	if !found {
		httpserver.Error(c, http.StatusNotFound, "not_found", fmt.Sprintf("no milestone or indicator %q", c.Param("code")))
		return
	}
	dl := it.Deadline
	dl.Kind, dl.Due, dl.Precision, dl.Approximate, dl.Source, dl.NeedsDate = "date", req.Due, "day", false, "manual", false
	dl.Note = strings.TrimSpace("Set by the point of contact. " + req.Note)
	doc, err := h.Importer.SetDeadline(c.Request.Context(), d.ID, it.Code, dl)
	if errors.Is(err, store.ErrConflict) {
		httpserver.Error(c, http.StatusConflict, "conflict", err.Error())
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	it, _ = doc.Plan.Find(it.Code)
	c.JSON(http.StatusOK, gin.H{"plan": doc.ID, "item": it})
}

func (h *Handler) internal(c *gin.Context, err error) {
	h.Logger.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "error", err)
	httpserver.Error(c, http.StatusInternalServerError, "internal", "internal error")
}
