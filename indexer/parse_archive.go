package indexer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// The archive format is the layout of the seed corpus (data/articles.txt):
//
//	Category: NAME            sets Category for the articles after it; may recur
//	Title line                the non-blank line right before "Posted on"
//	Posted on DATE by AUTHOR  DATE and AUTHOR may be missing ("Posted on by")
//	paragraphs                separated by blank lines
//	[Outlet Name]             optional last line: the source
//
// An article runs until the next article's title, the next Category line or
// the end of the file. A Category line therefore always ends an article.

// archiveLine is one non-blank line held back while the end of its article
// is unknown. Blank lines are not kept, only whether one came before.
type archiveLine struct {
	n         int
	text      string // trimmed
	tooLong   bool   // the line was over the cap and dropped
	paraBreak bool   // a blank line separates it from the previous kept line
}

// archiveParser holds the state of one archive file. Memory is bounded by
// the longest article, not the file.
type archiveParser struct {
	file     string
	emit     func(Record) error
	category string
	cur      *Record       // the article being read, nil before the first one
	buf      []archiveLine // non-blank lines since the last "Posted on" or Category line
	blank    bool          // a blank line came after the last kept line

	// Text outside any article, folded as it is read: only where it starts
	// and how long it is are reported.
	strayFirst, strayCount int
}

func parseArchive(br *bufio.Reader, file string, emit func(Record) error) error {
	p := &archiveParser{file: file, emit: emit}
	lr := newLineReader(br)
	for {
		raw, tooLong, err := lr.next()
		if err != nil {
			if err == io.EOF {
				break
			}
			return fmt.Errorf("read %s: %w", file, err)
		}
		if !tooLong && len(bytes.TrimSpace(raw)) == 0 {
			p.blank = true
			continue
		}
		line := archiveLine{n: lr.n, tooLong: tooLong}
		if !tooLong {
			line.text = cleanText(string(raw))
			if line.text == "" { // only Unicode spaces
				p.blank = true
				continue
			}
		}
		if err := p.add(line); err != nil {
			return err
		}
	}
	return p.flush(nil)
}

// add takes the next non-blank line of the file.
func (p *archiveParser) add(l archiveLine) error {
	if !l.tooLong {
		if name, ok := categoryName(l.text); ok {
			if err := p.flush(nil); err != nil {
				return err
			}
			p.category = name
			return nil
		}
		if posted, ok := parsePostedLine(l.text); ok {
			posted.n = l.n
			return p.flush(&posted)
		}
	}
	if p.cur == nil && len(p.buf) > 0 {
		// Outside an article only the last line matters: it may be the
		// next title. The ones before it are stray text.
		p.stray(p.buf)
		p.buf = p.buf[:0]
	}
	l.paraBreak = p.blank && len(p.buf) > 0
	p.blank = false
	p.buf = append(p.buf, l)
	return nil
}

// stray counts lines that belong to no article.
func (p *archiveParser) stray(lines []archiveLine) {
	if len(lines) == 0 {
		return
	}
	if p.strayCount == 0 {
		p.strayFirst = lines[0].n
	}
	p.strayCount += len(lines)
}

// flush ends the current article at the held-back lines. With posted set,
// the last held-back line is the title of a new article.
func (p *archiveParser) flush(posted *postedLine) error {
	rest := p.buf
	var title *archiveLine
	if posted != nil && len(rest) > 0 {
		title = &rest[len(rest)-1]
		rest = rest[:len(rest)-1]
	}
	if p.cur != nil {
		rec := *p.cur
		setArchiveBody(&rec, rest)
		if err := p.emit(finish(rec)); err != nil {
			return err
		}
	} else {
		p.stray(rest)
	}
	if p.strayCount > 0 {
		// Text before the first article, or between a Category line and
		// the next title, belongs to no article: report it, don't lose it.
		err := p.emit(Record{File: p.file, Line: p.strayFirst,
			Err: fmt.Errorf("text outside any article skipped (%d non-blank lines before a title and \"Posted on\" line)", p.strayCount)})
		if err != nil {
			return err
		}
		p.strayCount = 0
	}
	p.buf = p.buf[:0]
	p.blank = false
	p.cur = nil
	if posted == nil {
		return nil
	}
	rec := &Record{File: p.file, Article: Article{Category: p.category, Author: posted.author}}
	switch {
	case title == nil:
		// "Posted on" with nothing before it: an article without a title,
		// located at the "Posted on" line.
		rec.Line = posted.n
	case title.tooLong:
		rec.Line = title.n
		rec.Err = errLineTooLong(maxLineBytes)
	default:
		rec.Line = title.n
		rec.Article.Title = title.text
	}
	if posted.date != "" {
		t, err := parseDate(posted.date)
		if err != nil && rec.Err == nil {
			rec.Err = err
		}
		rec.Article.Published = t
	}
	p.cur = rec
	return nil
}

// setArchiveBody fills body and source from an article's lines: paragraphs
// joined with "\n\n", and a last line "[Outlet]" taken as the source.
func setArchiveBody(rec *Record, lines []archiveLine) {
	if n := len(lines); n > 0 && !lines[n-1].tooLong {
		if src, ok := outletName(lines[n-1].text); ok {
			rec.Article.Source = src
			lines = lines[:n-1]
		}
	}
	var b strings.Builder
	for i, l := range lines {
		if l.tooLong {
			if rec.Err == nil {
				rec.Err = fmt.Errorf("body line %d: %w", l.n, errLineTooLong(maxLineBytes))
			}
			continue
		}
		switch {
		case i == 0 || b.Len() == 0:
		case l.paraBreak:
			b.WriteString("\n\n")
		default:
			b.WriteByte('\n')
		}
		b.WriteString(l.text)
	}
	rec.Article.Body = b.String()
}

// isCategoryLine reports whether a trimmed line is "Category: NAME".
func isCategoryLine(line string) bool {
	_, ok := categoryName(line)
	return ok
}

func categoryName(line string) (string, bool) {
	name, ok := strings.CutPrefix(line, "Category:")
	if !ok {
		return "", false
	}
	return strings.TrimSpace(name), true
}

// outletName reports whether a trimmed line is "[Outlet Name]".
func outletName(line string) (string, bool) {
	if len(line) < 3 || line[0] != '[' || line[len(line)-1] != ']' {
		return "", false
	}
	name := strings.TrimSpace(line[1 : len(line)-1])
	if name == "" || strings.ContainsAny(name, "[]") {
		return "", false
	}
	return name, true
}

// postedLine is a parsed "Posted on DATE by AUTHOR" line.
type postedLine struct {
	n      int
	date   string
	author string
}

// parsePostedLine recognises "Posted on DATE by AUTHOR", where either part
// may be empty. A body paragraph can start with "Posted on" too ("Posted on
// Twitter by the ministry, ..."), so a non-empty DATE must look like one:
// short and with a digit in it. A DATE that looks like one but does not
// parse is still a "Posted on" line; its article is reported as a bad date.
func parsePostedLine(line string) (postedLine, bool) {
	rest, ok := strings.CutPrefix(line, "Posted on")
	if !ok {
		return postedLine{}, false
	}
	var date, author string
	switch {
	case rest == "":
	case rest[0] == ' ' || rest[0] == '\t':
		rest = strings.TrimSpace(rest)
		if rest == "by" {
			break
		}
		if a, ok := strings.CutPrefix(rest, "by "); ok {
			author = a
			break
		}
		d, a, found := strings.Cut(rest, " by ")
		if !found {
			d, found = strings.CutSuffix(rest, " by")
		}
		date, author = d, a
		if !found {
			// "Posted on DATE" without "by": only when DATE parses, since
			// nothing else marks the line as a byline.
			if _, err := parseDate(rest); err != nil {
				return postedLine{}, false
			}
			date, author = rest, ""
		}
	default:
		return postedLine{}, false // "Posted one..."
	}
	date, author = strings.TrimSpace(date), strings.TrimSpace(author)
	if date != "" && (len(date) > 40 || !strings.ContainsFunc(date, unicode.IsDigit)) {
		return postedLine{}, false
	}
	return postedLine{date: date, author: author}, true
}
