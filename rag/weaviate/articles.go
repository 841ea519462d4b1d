package weaviate

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	wv "github.com/weaviate/weaviate-go-client/v5/weaviate"
	"github.com/weaviate/weaviate-go-client/v5/weaviate/filters"
	"github.com/weaviate/weaviate-go-client/v5/weaviate/graphql"
	"github.com/weaviate/weaviate/entities/models"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/rag"
)

// articleObject is an article object as queries return it. Content
// hashes are stored hex-encoded: they may be any bytes.
type articleObject struct {
	ArticleID  string `json:"article_id"`
	Hash       string `json:"hash"` // hex
	Key        string `json:"key"`  // hex, the rag.Document.Key
	Article    string `json:"article"`
	Additional struct {
		ID string `json:"id"`
	} `json:"_additional"`
}

func (o articleObject) decode() (corpus.Article, error) {
	var a corpus.Article
	if err := json.Unmarshal([]byte(o.Article), &a); err != nil {
		return a, fmt.Errorf("article %s: %w", o.ArticleID, err)
	}
	a.Hash = unhex(o.Hash)
	return a, nil
}

// fetchArticles reads the named articles.
func (s *Store) fetchArticles(ctx context.Context, ids []string) ([]corpus.Article, error) {
	var arts []corpus.Article
	for lo := 0; lo < len(ids); lo += deleteBatch {
		part := ids[lo:min(lo+deleteBatch, len(ids))]
		w := filters.Where().WithPath([]string{"article_id"}).WithOperator(filters.ContainsAny).WithValueText(part...)
		objs, err := s.getArticles(ctx, w, "", len(part), true)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			a, err := o.decode()
			if err != nil {
				return nil, err
			}
			arts = append(arts, a)
		}
	}
	return arts, nil
}

// getArticles runs one Get on the article collection: by filter, or a
// page after the object ID after.
func (s *Store) getArticles(ctx context.Context, w *filters.WhereBuilder, after string, limit int, text bool) ([]articleObject, error) {
	fields := []graphql.Field{{Name: "article_id"}, {Name: "hash"}, {Name: "key"}, {Name: "_additional", Fields: []graphql.Field{{Name: "id"}}}}
	if text {
		fields = append(fields, graphql.Field{Name: "article"})
	}
	var out map[string][]articleObject
	err := s.query(ctx, "Get", &out, func(c *wv.Client) (*models.GraphQLResponse, error) {
		get := c.GraphQL().Get().WithClassName(s.articles).WithFields(fields...).WithLimit(limit)
		if w != nil {
			get.WithWhere(w)
		} else {
			get.WithAfter(after)
		}
		if s.cfg.Replicas > 1 {
			get.WithConsistencyLevel(s.cfg.Consistency)
		}
		return get.Do(ctx)
	})
	objs := out[s.articles]
	if err != nil {
		return nil, fmt.Errorf("weaviate: read articles: %w", err)
	}
	return objs, nil
}

// listPage is how many articles a listing reads per request.
const listPage = 500

// each calls f with every article object, page by page.
func (s *Store) each(ctx context.Context, text bool, f func(articleObject) error) error {
	after := ""
	for {
		objs, err := s.getArticles(ctx, nil, after, listPage, text)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if err := f(o); err != nil {
				return err
			}
		}
		if len(objs) < listPage {
			return nil
		}
		after = objs[len(objs)-1].Additional.ID
	}
}

// Hashes returns the key each stored article was written with, by article
// ID. It is empty when the collections do not exist.
func (s *Store) Hashes(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	if setup, err := s.Setup(ctx); err != nil || setup == nil {
		return out, err
	}
	err := s.each(ctx, false, func(o articleObject) error {
		out[o.ArticleID] = unhex(o.Key)
		return nil
	})
	return out, err
}

// Article returns a stored article, or an error wrapping rag.ErrNotFound.
func (s *Store) Article(ctx context.Context, id string) (corpus.Article, error) {
	arts, err := s.fetchArticles(ctx, []string{id})
	if err != nil {
		return corpus.Article{}, err
	}
	for _, a := range arts {
		if a.ID == id {
			return a, nil
		}
	}
	return corpus.Article{}, fmt.Errorf("article %q: %w", id, rag.ErrNotFound)
}

// Articles returns every stored article, sorted by ID.
func (s *Store) Articles(ctx context.Context) ([]corpus.Article, error) {
	var arts []corpus.Article
	err := s.each(ctx, true, func(o articleObject) error {
		a, err := o.decode()
		arts = append(arts, a)
		return err
	})
	slices.SortFunc(arts, func(a, b corpus.Article) int { return strings.Compare(a.ID, b.ID) })
	return arts, err
}

// Count returns the number of stored articles and chunks.
func (s *Store) Count(ctx context.Context) (articles, chunks int, err error) {
	q := fmt.Sprintf("{Aggregate{a: %s{meta{count}} c: %s{meta{count}}}}", s.articles, s.chunks)
	var out map[string][]aggregateCount
	err = s.query(ctx, "Aggregate", &out, func(c *wv.Client) (*models.GraphQLResponse, error) {
		return c.GraphQL().Raw().WithQuery(q).Do(ctx)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("weaviate: count: %w", err)
	}
	return countOf(out, "a"), countOf(out, "c"), nil
}

// articleCache keeps articles read for search hits, keyed by ID and
// checked against the hash each hit carries, so a changed article is read
// again. It holds at most cacheSize articles, dropping the oldest.
type articleCache struct {
	mu    sync.Mutex
	arts  map[string]*corpus.Article
	order []string
}

const cacheSize = 4096

func (c *articleCache) get(id, hash string) *corpus.Article {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a := c.arts[id]; a != nil && a.Hash == hash {
		return a
	}
	return nil
}

func (c *articleCache) put(a corpus.Article) *corpus.Article {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.arts == nil {
		c.arts = map[string]*corpus.Article{}
	}
	if _, ok := c.arts[a.ID]; !ok {
		if len(c.order) >= cacheSize {
			delete(c.arts, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, a.ID)
	}
	p := &a
	c.arts[a.ID] = p
	return p
}

func (c *articleCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.arts, c.order = nil, nil
}

// unhex decodes a stored hash (a malformed one decodes to "", which
// matches no article, so the article is written again).
func unhex(h string) string {
	b, _ := hex.DecodeString(h)
	return string(b)
}

// catalogTTL is how long a Catalog is reused: a question asks for it
// several times, and another process's ingest shows within this time.
const catalogTTL = 10 * time.Second

// catalogCache keeps the last Catalog read.
type catalogCache struct {
	mu sync.Mutex
	at time.Time
	c  rag.Catalog
}

// Catalog returns the stored chunks' outlets and newest publication date,
// from one aggregate query (reused for catalogTTL). The outlets are the
// filterable outlet keys (lower case), which rag compares
// case-insensitively.
func (s *Store) Catalog(ctx context.Context) (rag.Catalog, error) {
	s.catalog.mu.Lock()
	defer s.catalog.mu.Unlock()
	if !s.catalog.at.IsZero() && time.Since(s.catalog.at) < catalogTTL {
		return s.catalog.c, nil
	}
	q := fmt.Sprintf(`{Aggregate{o: %s(groupBy:["outlet_key"], limit: %d){groupedBy{value}} p: %s{published{maximum}}}}`,
		s.chunks, maxOutlets, s.chunks)
	var out struct {
		O []struct {
			GroupedBy struct {
				Value string `json:"value"`
			} `json:"groupedBy"`
		} `json:"o"`
		P []struct {
			Published struct {
				Maximum string `json:"maximum"`
			} `json:"published"`
		} `json:"p"`
	}
	err := s.query(ctx, "Aggregate", &out, func(c *wv.Client) (*models.GraphQLResponse, error) {
		return c.GraphQL().Raw().WithQuery(q).Do(ctx)
	})
	if err != nil {
		return rag.Catalog{}, fmt.Errorf("weaviate: catalog: %w", err)
	}
	var c rag.Catalog
	for _, g := range out.O {
		if g.GroupedBy.Value != "" {
			c.Outlets = append(c.Outlets, g.GroupedBy.Value)
		}
	}
	slices.Sort(c.Outlets)
	if len(out.P) > 0 && out.P[0].Published.Maximum != "" {
		if c.Latest, err = time.Parse(time.RFC3339Nano, out.P[0].Published.Maximum); err != nil {
			return rag.Catalog{}, fmt.Errorf("weaviate: catalog: newest date: %w", err)
		}
	}
	s.catalog.at, s.catalog.c = time.Now(), c
	return c, nil
}

// maxOutlets is the most outlets a Catalog lists.
const maxOutlets = 10000
