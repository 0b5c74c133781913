// The bench's generated Go corpus: a context-timeout fetch, a fan-out over a WaitGroup and a
// buffered channel, a ticker loop, repeated with fresh names.

const SHAPES = [
  (i: number) => `// Fetch${i} asks the backend with a deadline.
func (s *Service) Fetch${i}(parent context.Context, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(parent, 2*time.Second)
	defer cancel()
	if key == "" {
		return nil, errEmpty
	}
	buf, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", key, err)
	}
	return bytes.Clone(buf[:len(buf)/2]), nil
}
`,
  (i: number) => `func fanOut${i}(ctx context.Context, items []string) []string {
	results := make(chan string, len(items))
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func(it string) {
			defer wg.Done()
			select {
			case results <- strings.ToUpper(it):
			case <-ctx.Done():
			}
		}(it)
	}
	wg.Wait()
	close(results)
	out := make([]string, 0, len(items))
	for r := range results {
		out = append(out, r)
	}
	return out
}
`,
  (i: number) => `func (w *Worker) loop${i}(ctx context.Context) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case t := <-ticker.C:
			w.mu.Lock()
			w.last = t
			w.mu.Unlock()
		}
	}
}
`,
];

const HEADER = `package corpus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

var errEmpty = errors.New("empty")

type Service struct{ client interface{ Get(context.Context, string) ([]byte, error) } }

type Worker struct {
	mu   sync.Mutex
	last time.Time
}

`;

/** About `lines` lines of Go in the corpus's three shapes; `seed` varies the names. */
export function file(lines: number, seed: number): string {
  let src = HEADER;
  let count = HEADER.split("\n").length;
  let i = seed * 100000;
  while (count < lines) {
    const shape = "\n" + SHAPES[i % SHAPES.length]!(i++);
    src += shape;
    count += shape.split("\n").length - 1;
  }
  return src;
}
