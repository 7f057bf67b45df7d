package search

// Entity is one person, organisation or place of the archive: the bucket
// that facets count, filters select and hits list, whatever spelling an
// article used.
type Entity struct {
	Type    string   `json:"type"`    // "person", "org" or "place"
	Name    string   `json:"name"`    // display name
	Count   int      `json:"count"`   // articles naming it, over the whole archive
	Aliases []string `json:"aliases"` // the other spellings counted as it
	Blocked bool     `json:"blocked,omitempty"`
}

// Entity types as the API names them.
const (
	EntityPerson = "person"
	EntityOrg    = "org"
	EntityPlace  = "place"
)
