package weaviate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	wv "github.com/weaviate/weaviate-go-client/v5/weaviate"
	"github.com/weaviate/weaviate-go-client/v5/weaviate/fault"
	"github.com/weaviate/weaviate/entities/models"

	"github.com/newsrag/newsrag/rag"
)

// Config says which cluster and collection to use. Zero fields take the
// defaults.
type Config struct {
	// URLs are the HTTP endpoints of one or more nodes of the cluster, e.g.
	// http://127.0.0.1:8080. Requests go to the first that answers.
	// Required.
	URLs []string
	// APIKey authenticates to the cluster, when it requires a key.
	APIKey string
	// Collection names the corpus's chunk collection; its articles go to
	// Collection+"Article". It must start with an upper-case letter.
	// Default "Newsrag".
	Collection string
	// Replicas is the replication factor of collections this store
	// creates. Default 1.
	Replicas int
	// Consistency is the replica consistency of reads and writes: "ONE",
	// "QUORUM" or "ALL". Default "QUORUM". Reads name it only when
	// Replicas is above 1 (Weaviate accepts it only on replicated
	// collections).
	Consistency string
	// Timeout bounds each request. Default 30s.
	Timeout time.Duration
	// Attempts is how many times a failed request is tried, across the
	// nodes. Default 3 per URL.
	Attempts int
}

// Defaults of Config's fields.
const (
	DefaultCollection  = "Newsrag"
	DefaultReplicas    = 1
	DefaultConsistency = "QUORUM"
)

func (c Config) withDefaults() Config {
	if c.Collection == "" {
		c.Collection = DefaultCollection
	}
	if c.Replicas <= 0 {
		c.Replicas = DefaultReplicas
	}
	if c.Consistency == "" {
		c.Consistency = DefaultConsistency
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Attempts <= 0 {
		c.Attempts = 3 * len(c.URLs)
	}
	return c
}

// Store is a rag.RemoteStore in a Weaviate cluster. It is safe for
// concurrent use.
type Store struct {
	cfg      Config
	chunks   string // chunk collection
	articles string // article collection
	clients  []*wv.Client
	next     atomic.Int32 // the client that answered last
	cache    articleCache
	catalog  catalogCache
}

var _ rag.RemoteStore = (*Store)(nil)

// New returns a Store for cfg. It does not contact the cluster.
func New(cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if len(cfg.URLs) == 0 {
		return nil, errors.New("weaviate: no URL")
	}
	if !validClassName(cfg.Collection) {
		return nil, fmt.Errorf("weaviate: collection name %q: want a letter A-Z, then letters, digits or _", cfg.Collection)
	}
	switch cfg.Consistency {
	case "ONE", "QUORUM", "ALL":
	default:
		return nil, fmt.Errorf("weaviate: consistency %q: want ONE, QUORUM or ALL", cfg.Consistency)
	}
	s := &Store{cfg: cfg, chunks: cfg.Collection, articles: cfg.Collection + "Article"}
	for _, raw := range cfg.URLs {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("weaviate: URL %q: want http(s)://host:port", raw)
		}
		wc := wv.Config{Host: u.Host, Scheme: u.Scheme, Timeout: cfg.Timeout,
			ConnectionClient: &http.Client{Timeout: cfg.Timeout}}
		if cfg.APIKey != "" {
			wc.Headers = map[string]string{"Authorization": "Bearer " + cfg.APIKey}
		}
		c, err := wv.NewClient(wc)
		if err != nil {
			return nil, fmt.Errorf("weaviate: %s: %w", raw, err)
		}
		s.clients = append(s.clients, c)
	}
	return s, nil
}

// Location names the cluster and collection.
func (s *Store) Location() string {
	return fmt.Sprintf("weaviate %s collection %s", strings.Join(s.cfg.URLs, ","), s.chunks)
}

func validClassName(n string) bool {
	if n == "" || n[0] < 'A' || n[0] > 'Z' {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// do runs f against the cluster, moving on to the next node (and, after a
// round, waiting a little) when a node cannot serve the request.
func (s *Store) do(ctx context.Context, f func(*wv.Client) error) error {
	var err error
	for attempt := range s.cfg.Attempts {
		i := int(s.next.Load()) % len(s.clients)
		if err = f(s.clients[i]); err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		s.next.CompareAndSwap(int32(i), int32((i+1)%len(s.clients)))
		if (attempt+1)%len(s.clients) == 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
			}
		}
	}
	return err
}

// retryable reports whether another node, or a later try, may succeed:
// the node was unreachable, answered 5xx or 429, was still loading its
// schema after a restart, or its replicas did not agree.
func retryable(err error) bool {
	var ge *graphQLError
	if errors.As(err, &ge) {
		return true
	}
	var fe *fault.WeaviateClientError
	for errors.As(err, &fe) {
		switch {
		case fe.IsUnexpectedStatusCode:
			return fe.StatusCode >= 500 || fe.StatusCode == http.StatusTooManyRequests ||
				(fe.StatusCode == http.StatusUnprocessableEntity && strings.Contains(fe.Msg, notLoaded))
		case fe.DerivedFromError == nil:
			return false
		}
		// The client wraps its errors in one another; a transport error
		// (refused, reset, timed out) ends the chain.
		if err = fe.DerivedFromError; !errors.As(err, new(*fault.WeaviateClientError)) {
			return true
		}
	}
	return false
}

// notLoaded is what a restarted node answers until it has loaded the
// schema.
const notLoaded = "no graphql provider present"

// graphQLError is an error a GraphQL response reported, such as a replica
// quorum not reached while a node is down.
type graphQLError struct{ msgs []string }

func (e *graphQLError) Error() string { return "graphql: " + strings.Join(e.msgs, "; ") }

// gqlData returns the data of a GraphQL response, or its errors.
func gqlData(resp *models.GraphQLResponse) (map[string]models.JSONObject, error) {
	if len(resp.Errors) > 0 {
		ge := &graphQLError{}
		for _, e := range resp.Errors {
			ge.msgs = append(ge.msgs, e.Message)
		}
		return nil, ge
	}
	return resp.Data, nil
}

// query runs a GraphQL request built by req against the cluster (with
// retries) and decodes the response's data[key] into out.
func (s *Store) query(ctx context.Context, key string, out any, req func(*wv.Client) (*models.GraphQLResponse, error)) error {
	return s.do(ctx, func(c *wv.Client) error {
		resp, err := req(c)
		if err != nil {
			return err
		}
		data, err := gqlData(resp)
		if err != nil {
			return err
		}
		if err := decode(data[key], out); err != nil {
			return fmt.Errorf("decode %s result: %w", key, err)
		}
		return nil
	})
}

// decode re-encodes a GraphQL result into v.
func decode(in any, v any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Object IDs are UUIDv5 of the kind and ID, so writes are idempotent.
var idSpace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/newsrag/newsrag"))

func chunkUUID(chunkID string) string {
	return uuid.NewSHA1(idSpace, []byte("chunk\x00"+chunkID)).String()
}
func articleUUID(articleID string) string {
	return uuid.NewSHA1(idSpace, []byte("article\x00"+articleID)).String()
}

// setupPrefix starts the chunk collection's description; the setup follows
// as JSON.
const setupPrefix = "newsrag chunks; setup: "

// Setup returns the setup recorded in the chunk collection, or nil when
// the collection does not exist.
func (s *Store) Setup(ctx context.Context) (*rag.Setup, error) {
	var class *models.Class
	err := s.do(ctx, func(c *wv.Client) error {
		ok, err := c.Schema().ClassExistenceChecker().WithClassName(s.chunks).Do(ctx)
		if err != nil || !ok {
			class = nil
			return err
		}
		class, err = c.Schema().ClassGetter().WithClassName(s.chunks).Do(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("weaviate: read collection %s: %w", s.chunks, err)
	}
	if class == nil {
		return nil, nil
	}
	desc, ok := strings.CutPrefix(class.Description, setupPrefix)
	if !ok {
		return nil, fmt.Errorf("weaviate: collection %s was not made by newsrag (description %q)", s.chunks, class.Description)
	}
	var setup rag.Setup
	if err := json.Unmarshal([]byte(desc), &setup); err != nil {
		return nil, fmt.Errorf("weaviate: collection %s: setup: %w", s.chunks, err)
	}
	return &setup, nil
}

// Reset drops the corpus's collections and creates them empty, with setup
// recorded.
func (s *Store) Reset(ctx context.Context, setup rag.Setup) error {
	b, err := json.Marshal(setup)
	if err != nil {
		return err
	}
	s.cache.clear()
	for _, name := range []string{s.chunks, s.articles} {
		if err := s.do(ctx, func(c *wv.Client) error {
			ok, err := c.Schema().ClassExistenceChecker().WithClassName(name).Do(ctx)
			if err != nil || !ok {
				return err
			}
			return c.Schema().ClassDeleter().WithClassName(name).Do(ctx)
		}); err != nil {
			return fmt.Errorf("weaviate: drop collection %s: %w", name, err)
		}
	}
	for _, class := range []*models.Class{s.articleClass(), s.chunkClass(setupPrefix + string(b))} {
		if err := s.do(ctx, func(c *wv.Client) error {
			return c.Schema().ClassCreator().WithClass(class).Do(ctx)
		}); err != nil {
			return fmt.Errorf("weaviate: create collection %s: %w", class.Class, err)
		}
	}
	return nil
}

// hnswEF is the HNSW search list size, at query time and when building.
const hnswEF = 512

// BM25 parameters, as rag's embedded index uses them.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

func (s *Store) chunkClass(desc string) *models.Class {
	return &models.Class{
		Class:       s.chunks,
		Description: desc,
		Vectorizer:  "none",
		// HNSW is approximate; a wide search list keeps the vector query
		// close to the embedded index's exact scan (its
		// default, 100 at limit 100, measurably lost recall on squad-dev).
		VectorIndexConfig: map[string]any{
			"distance":       "cosine",
			"ef":             hnswEF,
			"efConstruction": hnswEF,
		},
		InvertedIndexConfig: &models.InvertedIndexConfig{
			Bm25:      &models.BM25Config{K1: bm25K1, B: bm25B},
			Stopwords: &models.StopwordConfig{Preset: "none"},
		},
		ReplicationConfig: &models.ReplicationConfig{Factor: int64(s.cfg.Replicas)},
		Properties: []*models.Property{
			keyword("chunk_id"), keyword("article_id"), keyword("article_hash"), keyword("outlet_key"),
			number("seq"), number("start"), number("end"), number("words"),
			// terms are newsrag's analysed terms: BM25 searches them, and
			// the question terms' document frequencies are counted on them.
			{Name: "terms", DataType: []string{"text"}, Tokenization: "whitespace", IndexSearchable: ptr(true), IndexFilterable: ptr(true)},
			stored("text"), stored("title"), stored("outlet"), stored("url"),
			{Name: "published", DataType: []string{"date"}, IndexFilterable: ptr(true), IndexRangeFilters: ptr(true)},
		},
	}
}

func (s *Store) articleClass() *models.Class {
	return &models.Class{
		Class:             s.articles,
		Description:       "newsrag articles of " + s.chunks,
		Vectorizer:        "none",
		ReplicationConfig: &models.ReplicationConfig{Factor: int64(s.cfg.Replicas)},
		Properties: []*models.Property{
			keyword("article_id"), stored("hash"), stored("key"),
			stored("article"), // the corpus.Article as JSON
		},
	}
}

func ptr[T any](v T) *T { return &v }

// keyword is a text property matched whole by filters, not searched.
func keyword(name string) *models.Property {
	return &models.Property{Name: name, DataType: []string{"text"}, Tokenization: "field",
		IndexFilterable: ptr(true), IndexSearchable: ptr(false)}
}

// number is an int property, filterable.
func number(name string) *models.Property {
	return &models.Property{Name: name, DataType: []string{"int"}, IndexFilterable: ptr(true)}
}

// stored is a text property that is only stored.
func stored(name string) *models.Property {
	return &models.Property{Name: name, DataType: []string{"text"}, Tokenization: "field",
		IndexFilterable: ptr(false), IndexSearchable: ptr(false)}
}
