package opensearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"newsdex/indexer"
)

// Bulk writes articles through the bulk API. It is the indexer's Sink:
// the indexer's pipeline parses, settles ids and extracts entities, and
// Bulk sends each batch as one request, indexed by article id, so writing
// an article again replaces it.
type Bulk struct {
	c *Client
	// Refresh makes each batch searchable before Write returns (HTTP
	// writes promise that); a bulk load leaves it off and refreshes once
	// at the end.
	Refresh bool
}

var _ indexer.Sink = (*Bulk)(nil)

// NewBulk returns a bulk writer into c's index.
func NewBulk(c *Client) *Bulk { return &Bulk{c: c} }

// document is what the index holds for a, as the Bleve index has it
// (indexer.DocumentFields), plus the id as a sortable keyword.
func document(a *indexer.Article) map[string]any {
	d := indexer.DocumentFields(a)
	d[fieldID] = a.ID
	return d
}

// Write implements indexer.Sink. A rejected article (a mapping error,
// say) is reported in itemErrs with the cluster's reason; a batch the
// cluster does not take at all is err. Items refused because the
// cluster is overloaded (429) or a shard is not ready are sent again
// once, as a failover needs.
func (b *Bulk) Write(ctx context.Context, arts []*indexer.Article) ([]error, error) {
	itemErrs := make([]error, len(arts))
	todo := make([]int, len(arts))
	for i := range todo {
		todo[i] = i
	}
	for attempt := 0; len(todo) > 0; attempt++ {
		retry, err := b.send(ctx, arts, todo, itemErrs, attempt < 2)
		if err != nil {
			return nil, err
		}
		todo = retry
	}
	return itemErrs, nil
}

// send writes the articles at idx and returns those worth sending again.
func (b *Bulk) send(ctx context.Context, arts []*indexer.Article, idx []int, itemErrs []error, mayRetry bool) ([]int, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, i := range idx {
		a := arts[i]
		if err := enc.Encode(map[string]any{"index": map[string]any{"_index": b.c.index, "_id": a.ID}}); err != nil {
			return nil, err
		}
		if err := enc.Encode(document(a)); err != nil {
			return nil, fmt.Errorf("encode article %s: %w", a.ID, err)
		}
	}
	q := url.Values{}
	if b.Refresh {
		q.Set("refresh", "wait_for")
	}
	var res struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			ID     string `json:"_id"`
			Status int    `json:"status"`
			Error  *struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"error"`
		} `json:"items"`
	}
	if _, err := b.c.do(ctx, http.MethodPost, request{path: "/_bulk", query: q, body: buf.Bytes(), ndjson: true}, &res); err != nil {
		return nil, fmt.Errorf("bulk write of %d articles: %w", len(idx), err)
	}
	if len(res.Items) != len(idx) {
		return nil, fmt.Errorf("bulk write of %d articles: %d answers", len(idx), len(res.Items))
	}
	var retry []int
	for k, item := range res.Items {
		i := idx[k]
		for _, r := range item {
			if r.Error == nil && r.Status < 300 {
				itemErrs[i] = nil
				continue
			}
			reason := fmt.Sprintf("status %d", r.Status)
			if r.Error != nil {
				reason = r.Error.Type + ": " + r.Error.Reason
			}
			itemErrs[i] = fmt.Errorf("%w: article %s not indexed: %s", ErrCluster, r.ID, reason)
			if mayRetry && (r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable) {
				retry = append(retry, i)
			}
		}
	}
	return retry, nil
}

// Delete removes the article with id and reports whether it was there.
// The deletion is visible to searches when Delete returns.
func (c *Client) Delete(ctx context.Context, id string) (bool, error) {
	var res struct {
		Result string `json:"result"`
	}
	_, err := c.do(ctx, http.MethodDelete, request{path: "/" + c.index + "/_doc/" + url.PathEscape(id),
		query: url.Values{"refresh": {"wait_for"}}}, &res)
	var ce *clusterError
	if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete %q: %w", id, err)
	}
	return res.Result == "deleted", nil
}

// Writer takes HTTP writes and the fetcher's articles: the indexer's
// pipeline into Bulk with each batch refreshed, so articles are
// searchable when Ingest returns, as with Bleve. OpenSearch takes
// concurrent writes, so unlike indexer.Writer it does not queue them.
type Writer struct {
	c           *Client
	newIngester func(indexer.Sink) *indexer.Ingester
	// OnWrite, when set, runs after each write that changed the index
	// (Service.Invalidate: entities and near-duplicates resolved again).
	OnWrite func(context.Context) error
}

// NewWriter returns a Writer; newIngester builds the pipeline (aliases,
// entity extraction, batch sizes) around a sink.
func NewWriter(c *Client, newIngester func(indexer.Sink) *indexer.Ingester) *Writer {
	return &Writer{c: c, newIngester: newIngester}
}

// Ingest writes src's records; onSkip, which may be nil, gets each one
// skipped, including articles the cluster refused.
func (w *Writer) Ingest(ctx context.Context, src indexer.Source, onSkip func(indexer.Record)) (indexer.Summary, error) {
	bulk := NewBulk(w.c)
	bulk.Refresh = true
	ing := w.newIngester(bulk)
	ing.OnSkip = onSkip
	sum, err := ing.Ingest(ctx, src)
	if sum.Indexed > 0 {
		w.changed(ctx)
	}
	return sum, err
}

func (w *Writer) changed(ctx context.Context) {
	if w.OnWrite != nil {
		_ = w.OnWrite(context.WithoutCancel(ctx)) // searches resolve again by themselves should this fail
	}
}

// Delete removes an article (Client.Delete).
func (w *Writer) Delete(ctx context.Context, id string) (bool, error) {
	ok, err := w.c.Delete(ctx, id)
	if ok {
		w.changed(ctx)
	}
	return ok, err
}
