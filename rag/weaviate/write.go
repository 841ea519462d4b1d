package weaviate

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-openapi/strfmt"
	wv "github.com/weaviate/weaviate-go-client/v5/weaviate"
	"github.com/weaviate/weaviate-go-client/v5/weaviate/filters"
	"github.com/weaviate/weaviate/entities/models"

	"github.com/newsrag/newsrag/rag"
)

// Batch sizes: chunk objects per batch request, and articles per delete
// request.
const (
	writeBatch  = 128
	deleteBatch = 100
)

// Put writes docs' chunks, then removes chunks left over from longer
// earlier versions of the articles, then writes the articles: an article's
// hash is stored last, so an interrupted ingest redoes it.
func (s *Store) Put(ctx context.Context, docs []rag.Document) error {
	var objs []*models.Object
	for _, d := range docs {
		a := d.Article
		if len(d.Vectors) != len(d.Chunks) || len(d.Terms) != len(d.Chunks) {
			return fmt.Errorf("weaviate: article %s: %d chunks, %d vectors, %d term lists", a.ID, len(d.Chunks), len(d.Vectors), len(d.Terms))
		}
		for i, c := range d.Chunks {
			props := map[string]any{
				"chunk_id": c.ID, "article_id": a.ID, "article_hash": hex.EncodeToString([]byte(a.Hash)),
				"seq": i, "start": c.Start, "end": c.End, "words": c.Words,
				"text": a.Text[c.Start:c.End], "terms": strings.Join(d.Terms[i], " "),
				"title": a.Title, "outlet": a.Outlet, "outlet_key": outletKey(a.Outlet), "url": a.URL,
			}
			if !a.Published.IsZero() {
				props["published"] = a.Published.UTC().Format("2006-01-02T15:04:05Z07:00")
			}
			objs = append(objs, &models.Object{Class: s.chunks, ID: strfmt.UUID(chunkUUID(c.ID)), Properties: props, Vector: d.Vectors[i]})
		}
	}
	if err := s.batch(ctx, objs); err != nil {
		return err
	}
	// Chunks beyond an article's new count belong to an older version.
	var stale []*filters.WhereBuilder
	for _, d := range docs {
		stale = append(stale, filters.Where().WithOperator(filters.And).WithOperands([]*filters.WhereBuilder{
			filters.Where().WithPath([]string{"article_id"}).WithOperator(filters.Equal).WithValueText(d.Article.ID),
			filters.Where().WithPath([]string{"seq"}).WithOperator(filters.GreaterThanEqual).WithValueInt(int64(len(d.Chunks))),
		}))
	}
	for lo := 0; lo < len(stale); lo += deleteBatch {
		if err := s.deleteWhere(ctx, s.chunks, or(stale[lo:min(lo+deleteBatch, len(stale))])); err != nil {
			return err
		}
	}
	objs = objs[:0]
	for _, d := range docs {
		b, err := json.Marshal(d.Article)
		if err != nil {
			return fmt.Errorf("weaviate: article %s: %w", d.Article.ID, err)
		}
		objs = append(objs, &models.Object{Class: s.articles, ID: strfmt.UUID(articleUUID(d.Article.ID)),
			Properties: map[string]any{"article_id": d.Article.ID, "hash": hex.EncodeToString([]byte(d.Article.Hash)),
				"key": hex.EncodeToString([]byte(d.Key)), "article": string(b)}})
	}
	return s.batch(ctx, objs)
}

// batch writes objects, writeBatch at a time, and reports the first
// object the cluster refused.
func (s *Store) batch(ctx context.Context, objs []*models.Object) error {
	for lo := 0; lo < len(objs); lo += writeBatch {
		part := objs[lo:min(lo+writeBatch, len(objs))]
		err := s.do(ctx, func(c *wv.Client) error {
			res, err := c.Batch().ObjectsBatcher().WithObjects(part...).WithConsistencyLevel(s.cfg.Consistency).Do(ctx)
			if err != nil {
				return err
			}
			for _, r := range res {
				if r.Result != nil && r.Result.Errors != nil && len(r.Result.Errors.Error) > 0 {
					return &graphQLError{msgs: []string{fmt.Sprintf("object %s: %s", r.ID, r.Result.Errors.Error[0].Message)}}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("weaviate: write %d objects: %w", len(part), err)
		}
	}
	return nil
}

// Delete removes articles and their chunks.
func (s *Store) Delete(ctx context.Context, articleIDs []string) error {
	for lo := 0; lo < len(articleIDs); lo += deleteBatch {
		ids := articleIDs[lo:min(lo+deleteBatch, len(articleIDs))]
		w := filters.Where().WithPath([]string{"article_id"}).WithOperator(filters.ContainsAny).WithValueText(ids...)
		for _, class := range []string{s.chunks, s.articles} {
			if err := s.deleteWhere(ctx, class, w); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) deleteWhere(ctx context.Context, class string, w *filters.WhereBuilder) error {
	err := s.do(ctx, func(c *wv.Client) error {
		res, err := c.Batch().ObjectsBatchDeleter().WithClassName(class).WithWhere(w).
			WithOutput("minimal").WithConsistencyLevel(s.cfg.Consistency).Do(ctx)
		if err != nil {
			return err
		}
		if res.Results != nil && res.Results.Failed > 0 {
			return &graphQLError{msgs: []string{fmt.Sprintf("%d objects not deleted", res.Results.Failed)}}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("weaviate: delete from %s: %w", class, err)
	}
	return nil
}

func or(ws []*filters.WhereBuilder) *filters.WhereBuilder {
	if len(ws) == 1 {
		return ws[0]
	}
	return filters.Where().WithOperator(filters.Or).WithOperands(ws)
}

// outletKey is how outlets are compared: case and surrounding space
// ignored, as the embedded index does.
func outletKey(o string) string { return strings.ToLower(strings.TrimSpace(o)) }
