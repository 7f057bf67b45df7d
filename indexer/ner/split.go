package ner

import "math"

// SplitDev holds out the last fraction of the documents (whole documents,
// a contiguous block) for development scores and returns the rest for
// training. A fraction of 0 trains on everything.
func SplitDev(docs []Document, fraction float64) (train, dev []Document) {
	if fraction <= 0 || len(docs) == 0 {
		return docs, nil
	}
	n := int(math.Round(float64(len(docs)) * min(fraction, 1)))
	n = max(min(n, len(docs)-1), 1)
	return docs[:len(docs)-n], docs[len(docs)-n:]
}
