package weaviate

import (
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/weaviate/weaviate-go-client/v5/weaviate/fault"

	"github.com/newsrag/newsrag/rag"
)

func TestParseExplain(t *testing.T) {
	tests := []struct {
		in   string
		want scoreParts
	}{
		{"\nHybrid (Result Set keyword) Document 1f: original score 2.5, normalized score: 0.4", scoreParts{bm25: 2.5}},
		{"\nHybrid (Result Set vector) Document 1f: original score 0.81, normalized score: 0.55 - \nHybrid (Result Set keyword) Document 1f: original score 3e-1, normalized score: 0", scoreParts{bm25: 0.3, cosine: 0.81}},
		// As Weaviate 1.35 writes it.
		{"\nHybrid (Result Set keyword,bm25) Document 347f: original score 1.5593766, normalized score: 0.45 - \nHybrid (Result Set vector,hybridVector) Document 347f: original score 0.4629104, normalized score: 0.4475811", scoreParts{bm25: 1.5593766, cosine: 0.4629104}},
		{"\nHybrid (Result Set vector,hybridVector) Document bb79: original score 0.50590676, normalized score: 0.55", scoreParts{cosine: 0.50590676}},
		{"", scoreParts{}},
	}
	for _, tt := range tests {
		if got := parseExplain(tt.in); got != tt.want {
			t.Errorf("parseExplain(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestWhere(t *testing.T) {
	day := time.Date(2025, 7, 8, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		f    rag.Filters
		want string
	}{
		{rag.Filters{}, ""},
		{rag.Filters{Outlet: " Sky News "}, `where:{operator: Equal path: ["outlet_key"] valueText: "sky news"}`},
		{rag.Filters{Outlets: []string{"Sky News", " The Verge"}}, `where:{operator: ContainsAny path: ["outlet_key"] valueText: ["sky news","the verge"]}`},
		{rag.Filters{From: day, To: day}, `where:{operator: And operands:[{operator: GreaterThanEqual path: ["published"] valueDate: "2025-07-08T00:00:00Z"},{operator: LessThanEqual path: ["published"] valueDate: "2025-07-08T00:00:00Z"}]}`},
	}
	for _, tt := range tests {
		w := where(tt.f)
		got := ""
		if w != nil {
			got = w.String()
		}
		if got != tt.want {
			t.Errorf("where(%+v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{URLs: []string{"127.0.0.1:8080"}},
		{URLs: []string{"http://127.0.0.1:8080"}, Collection: "lower"},
		{URLs: []string{"http://127.0.0.1:8080"}, Collection: "Has-Dash"},
		{URLs: []string{"http://127.0.0.1:8080"}, Consistency: "MOST"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
	if _, err := New(Config{URLs: []string{"http://127.0.0.1:8080", "http://127.0.0.1:8090"}}); err != nil {
		t.Error(err)
	}
}

func TestObjectIDsAreDeterministic(t *testing.T) {
	if first, again := chunkUUID("a#0"), chunkUUID("a#0"); first != again || first == chunkUUID("a#1") || chunkUUID("a") == articleUUID("a") {
		t.Error("object IDs are not a function of kind and ID")
	}
}

func TestRetryable(t *testing.T) {
	status := func(code int, msg string) error {
		return &fault.WeaviateClientError{IsUnexpectedStatusCode: true, StatusCode: code, Msg: msg}
	}
	wrap := func(err error) error { return &fault.WeaviateClientError{StatusCode: -1, DerivedFromError: err} }
	tests := []struct {
		err  error
		want bool
	}{
		{wrap(wrap(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED})), true},
		{wrap(io.EOF), true},
		{wrap(status(503, "unavailable")), true},
		{wrap(status(422, `{"error":[{"message":"no graphql provider present, this is most likely because no schema is present"}]}`)), true},
		{status(422, "invalid filter"), false},
		{status(401, "unauthorized"), false},
		{&graphQLError{msgs: []string{"cannot reach enough replicas"}}, true},
		{fmt.Errorf("decode: %w", io.ErrUnexpectedEOF), false},
	}
	for _, tt := range tests {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
