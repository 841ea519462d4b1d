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

func TestWhere(t *testing.T) {
	day := time.Date(2025, 7, 8, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		f    rag.Filters
		want string
	}{
		{rag.Filters{}, ""},
		{rag.Filters{Outlet: "  "}, ""},
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
