package count

import (
	"fmt"
	"runtime"
)

// Counting on a second core. Bleve's collector runs one search on one
// goroutine: it scores a match, then calls the hook, which counts it. On a
// broad query counting about 24 values per match costs as much as scoring
// it, and with one client the machine's other cores sit idle. So the hook
// hands the matches' document numbers over in chunks to one goroutine that
// counts them while the collector scores on; Fill waits for it. The counts
// are the same: the same matches, counted in the same order, by one
// goroutine at a time.
//
// Up to pipeChunk matches are counted in place when the search ends, so a
// narrow query never starts the goroutine.

// pipeChunk is the number of matches handed over at once: large enough
// that the hand-over costs nothing per match, small enough that the
// counting goroutine starts early.
const pipeChunk = 4096

// pipeDepth is how many chunks may wait for the counter; the collector
// waits when they are all full, so memory stays bounded.
const pipeDepth = 4

type pipe struct {
	buf     []uint64
	full    chan []uint64
	free    chan []uint64
	done    chan struct{}
	started bool
	closed  bool
	err     error // a panic while counting, read after done
}

// countChunk counts chunk. A panic there would end the process, since it
// runs on its own goroutine; it becomes an error instead, on which the
// service runs the search again without the hook.
func (fc *Counter) countChunk(chunk []uint64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("counting matches: %v", r)
		}
	}()
	for _, d := range chunk {
		fc.count(d)
	}
	return nil
}

// pipelined reports whether matches may be counted by a second goroutine:
// there are columns and counts to take, no hook that a caller reads in
// order with the search, and a second core to run it.
func (fc *Counter) pipelined() bool {
	return fc.cache.chunk >= 0 && len(fc.segs) > 0 && len(fc.want) > 0 && fc.dv == nil && fc.onDoc == nil && fc.visit == nil &&
		runtime.GOMAXPROCS(0) > 1
}

// chunkSize is the cache's chunk size for handing over matches: pipeChunk
// unless a test set another.
func (fc *Counter) chunkSize() int {
	if fc.cache.chunk > 0 {
		return fc.cache.chunk
	}
	return pipeChunk
}

// push queues the match with document number doc for counting.
func (fc *Counter) push(doc uint64) {
	p := fc.pipe
	n := fc.chunkSize()
	if p.buf == nil {
		p.buf = fc.cache.chunkBuf(n)
	}
	p.buf = append(p.buf, doc)
	if len(p.buf) < n {
		return
	}
	if !p.started {
		p.started = true
		p.full = make(chan []uint64, pipeDepth)
		p.free = make(chan []uint64, pipeDepth+2)
		p.done = make(chan struct{})
		go func() {
			defer close(p.done)
			for chunk := range p.full {
				if p.err == nil {
					p.err = fc.countChunk(chunk)
				}
				// Never blocks: at most pipeDepth+2 buffers exist.
				p.free <- chunk[:0]
			}
		}()
	}
	p.full <- p.buf
	select {
	case p.buf = <-p.free:
	default:
		p.buf = fc.cache.chunkBuf(n)
	}
}

// chunkBuf returns an empty buffer for n matches, one handed back if any.
func (c *Cache) chunkBuf(n int) []uint64 {
	if b, ok := c.chunks.Get().(*[]uint64); ok && cap(*b) >= n {
		return (*b)[:0]
	}
	return make([]uint64, 0, n)
}

// handBack keeps b for the next search.
func (c *Cache) handBack(b []uint64) {
	b = b[:0]
	c.chunks.Put(&b)
}

// finish counts what is still queued and waits for the counting
// goroutine. It is safe to call more than once, and after a failed search
// (the counts are then incomplete, and nobody reads them).
func (fc *Counter) finish() {
	p := fc.pipe
	if p == nil || p.closed {
		return
	}
	p.closed = true
	if !p.started {
		for _, d := range p.buf {
			fc.count(d)
		}
		if p.buf != nil {
			fc.cache.handBack(p.buf)
		}
		p.buf = nil
		return
	}
	if len(p.buf) > 0 {
		p.full <- p.buf
	} else {
		fc.cache.handBack(p.buf)
	}
	p.buf = nil
	close(p.full)
	<-p.done
	for len(p.free) > 0 { // every chunk is back: the goroutine is done
		fc.cache.handBack(<-p.free)
	}
	if p.err != nil && fc.err == nil {
		fc.err = p.err
	}
}

// Close ends a search's use of the counter: it stops the counting
// goroutine, if any. Call it when the search failed (Fill does it
// otherwise); calling it again is harmless.
func (fc *Counter) Close() {
	if fc != nil {
		fc.finish()
	}
}
