package shape

// SafeCell neutralises a CSV cell that a spreadsheet would read as a
// formula (OWASP "CSV injection"): a cell starting with =, +, -, @, a tab
// or a carriage return gets a leading apostrophe, which spreadsheets show
// as text and do not evaluate. Article text comes from outside (any web
// page can start a title with =HYPERLINK(...)), so every CSV export
// checks every cell. The apostrophe is visible to programs reading the
// file; they ask for raw cells (raw=true, --raw).
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
