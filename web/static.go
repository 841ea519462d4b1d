package web

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"time"

	"github.com/labstack/echo/v4"
)

// pageHandler serves the chat page. It is open even when an API key is set:
// it holds no data, and asks for the key when the API wants one.
func pageHandler(static fs.FS) echo.HandlerFunc {
	serve := staticHandler(static)
	return func(c echo.Context) error {
		c.SetParamNames("*")
		c.SetParamValues("index.html")
		return serve(c)
	}
}

// staticHandler serves the embedded files under /static/, with a strong
// ETag and "Cache-Control: no-cache", so browsers revalidate cheaply and
// never run stale scripts. Directories are not listed.
func staticHandler(static fs.FS) echo.HandlerFunc {
	type file struct {
		data []byte
		etag string
	}
	files := map[string]file{}
	// The files are embedded: walking them cannot fail at run time.
	_ = fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		files[name] = file{data: data, etag: fmt.Sprintf(`"%x"`, sum[:8])}
		return nil
	})
	return func(c echo.Context) error {
		name := c.Param("*")
		f, ok := files[name]
		if !ok || path.Clean(name) != name {
			return echo.ErrNotFound
		}
		h := c.Response().Header()
		h.Set(echo.HeaderCacheControl, "no-cache")
		h.Set("ETag", f.etag)
		http.ServeContent(c.Response(), c.Request(), name, time.Time{}, bytes.NewReader(f.data))
		return nil
	}
}
