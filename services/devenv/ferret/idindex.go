package ferret

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB itself uses
)

// FerretDB 1.24's SQLite backend pushes a {_id: <string>} filter down as
// WHERE _ferretdb_sjson->'$._id' = ?, but the unique index it creates for
// _id is on _ferretdb_sjson->"_id", a different expression, so SQLite scans
// the whole table for every lookup by _id: a read, update or delete of one
// document costs time in proportion to the collection's size. idIndexer
// adds, beside FerretDB, an index on the exact expression the query uses,
// for every collection table of every database file, checking every
// interval for new ones. FerretDB does not see these indexes (its metadata
// does not list them) and dropping a collection drops them with its table.
type idIndexer struct {
	dir      string
	interval time.Duration
	mu       sync.Mutex
	dbs      map[string]*sql.DB
	done     map[string]bool // table names indexed
}

func newIDIndexer(dir string, interval time.Duration) *idIndexer {
	return &idIndexer{dir: dir, interval: interval, dbs: map[string]*sql.DB{}, done: map[string]bool{}}
}

func (x *idIndexer) run(ctx context.Context) {
	t := time.NewTicker(x.interval)
	defer t.Stop()
	defer x.close()
	for {
		_ = x.once(ctx) // a busy database is tried again next tick
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (x *idIndexer) close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, db := range x.dbs {
		_ = db.Close()
	}
	x.dbs = map[string]*sql.DB{}
}

// once indexes every table not indexed yet.
func (x *idIndexer) once(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	files, err := filepath.Glob(filepath.Join(x.dir, "*.sqlite"))
	if err != nil {
		return err
	}
	var errs []string
	for _, f := range files {
		if err := x.indexFile(ctx, f); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("ferret: _id indexes: %s", strings.Join(errs, "; "))
	}
	return nil
}

func (x *idIndexer) indexFile(ctx context.Context, file string) error {
	db := x.dbs[file]
	if db == nil {
		var err error
		db, err = sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(5000)&_txlock=immediate")
		if err != nil {
			return err
		}
		db.SetMaxOpenConns(1)
		x.dbs[file] = db
	}
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM "_ferretdb_collections"`)
	if err != nil {
		return err // the file is new and has no metadata table yet
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		if !x.done[file+"/"+t] {
			tables = append(tables, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"_kept_id_lookup", t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // dropped meanwhile
			}
			return err
		}
		x.done[file+"/"+t] = true
	}
	return nil
}
