// Package keylock serialises work on one key (a document id) inside a process.
//
// FerretDB, the store of single-machine installs and tests, applies an update
// by reading the document and writing it back, so two updates of the same
// document at the same moment can lose one of them even when the filter
// checks a version. MongoDB applies conditional updates atomically. kept
// therefore takes this lock around every read-modify-write of a document and
// around the outbox relay's removal of sent events: on FerretDB that makes one
// process per service correct; on MongoDB it only saves a retry.
package keylock

import "sync"

// Locks is a set of mutexes created on demand and dropped when unused.
type Locks struct {
	mu    sync.Mutex
	locks map[string]*entry
}

type entry struct {
	mu    sync.Mutex
	users int
}

// Lock waits for key and returns the function that releases it.
func (l *Locks) Lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*entry{}
	}
	e := l.locks[key]
	if e == nil {
		e = &entry{}
		l.locks[key] = e
	}
	e.users++
	l.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		l.mu.Lock()
		e.users--
		if e.users == 0 {
			delete(l.locks, key)
		}
		l.mu.Unlock()
	}
}
