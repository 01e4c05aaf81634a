package main

// Connections to the modelled datastores, opened lazily and checked by readiness:
// postgres → database/sql + lib/pq, mysql/mariadb → go-sql-driver/mysql, redis → redigo
// (PING), anything else (mongodb, ...) → a TCP connect to the URL's host and port. A failed
// check drops the connection pool so the next probe reconnects from scratch.

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/gomodule/redigo/redis"
	_ "github.com/lib/pq"
)

const checkTimeout = 2 * time.Second

func isSQL(kind string) bool { return kind == "postgres" || kind == "mysql" || kind == "mariadb" }

// urlWithPassword puts password (percent-encoded) into raw when raw is a URL with a host and no
// password of its own.
func urlWithPassword(raw, password string) (string, bool) {
	if password == "" {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			return "", false
		}
		u.User = url.UserPassword(u.User.Username(), password)
	} else {
		u.User = url.UserPassword("", password)
	}
	return u.String(), true
}

type Store struct {
	ID, Kind, Env string
	mu            sync.Mutex
	db            *sql.DB
	pool          *redis.Pool
}

func (s *Store) url() (string, error) {
	raw := getenv(s.Env, "")
	if raw == "" {
		return "", fmt.Errorf("%s is not set", s.Env)
	}
	return raw, nil
}

// sqlDriver turns the datastore URL into a database/sql driver name and data source.
func sqlDriver(kind, raw string) (string, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("not a URL: %v", err)
	}
	if kind == "postgres" {
		q := u.Query()
		if q.Get("sslmode") == "" {
			// lib/pq's default is "require"; the bundle's database is on the private network
			q.Set("sslmode", "disable")
		}
		if q.Get("connect_timeout") == "" {
			q.Set("connect_timeout", "2")
		}
		u.RawQuery = q.Encode()
		return "postgres", u.String(), nil
	}
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.Timeout = checkTimeout
	cfg.ParseTime = true
	return "mysql", cfg.FormatDSN(), nil
}

// DB is the store's SQL connection pool (opened on first use).
func (s *Store) DB() (*sql.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		return s.db, nil
	}
	raw, err := s.url()
	if err != nil {
		return nil, err
	}
	driver, dsn, err := sqlDriver(s.Kind, raw)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(5)
	db.SetConnMaxIdleTime(time.Minute)
	s.db = db
	return db, nil
}

func (s *Store) redisPool() (*redis.Pool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pool != nil {
		return s.pool, nil
	}
	raw, err := s.url()
	if err != nil {
		return nil, err
	}
	s.pool = &redis.Pool{MaxIdle: 2, IdleTimeout: time.Minute, Dial: func() (redis.Conn, error) {
		return redis.DialURL(raw, redis.DialConnectTimeout(checkTimeout),
			redis.DialReadTimeout(checkTimeout), redis.DialWriteTimeout(checkTimeout))
	}}
	return s.pool, nil
}

// Check runs a real query (SELECT 1, PING) or, for other kinds, a TCP connect.
func (s *Store) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout+time.Second)
	defer cancel()
	switch {
	case isSQL(s.Kind):
		db, err := s.DB()
		if err != nil {
			return err
		}
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	case s.Kind == "redis":
		pool, err := s.redisPool()
		if err != nil {
			return err
		}
		conn, err := pool.GetContext(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		_, err = conn.Do("PING")
		return err
	default:
		raw, err := s.url()
		if err != nil {
			return err
		}
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" || u.Port() == "" {
			return fmt.Errorf("%s has no host and port", s.Env)
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return err
		}
		return conn.Close()
	}
}

func (s *Store) Close() {
	s.mu.Lock()
	db, pool := s.db, s.pool
	s.db, s.pool = nil, nil
	s.mu.Unlock()
	if db != nil {
		_ = db.Close()
	}
	if pool != nil {
		_ = pool.Close()
	}
}

type Datastores struct {
	stores []*Store
	byID   map[string]*Store
}

func NewDatastores(specs []StoreSpec) *Datastores {
	d := &Datastores{byID: map[string]*Store{}}
	for _, s := range specs {
		store := &Store{ID: s.ID, Kind: s.Kind, Env: s.Env}
		d.stores = append(d.stores, store)
		d.byID[s.ID] = store
	}
	return d
}

func (d *Datastores) Get(id string) *Store { return d.byID[id] }

// Problems checks every store at once: one sentence per store that does not answer.
func (d *Datastores) Problems(ctx context.Context) []string {
	out := make([]string, len(d.stores))
	var wg sync.WaitGroup
	for i, s := range d.stores {
		wg.Add(1)
		go func(i int, s *Store) {
			defer wg.Done()
			if err := s.Check(ctx); err != nil {
				s.Close()
				out[i] = fmt.Sprintf("datastore %s: %v", s.ID, err)
			}
		}(i, s)
	}
	wg.Wait()
	problems := []string{}
	for _, p := range out {
		if p != "" {
			problems = append(problems, p)
		}
	}
	return problems
}

func (d *Datastores) Close() {
	for _, s := range d.stores {
		s.Close()
	}
}
