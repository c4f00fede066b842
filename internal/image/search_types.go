package image

// SearchResult is one `search` row, with podman's template field names.
type SearchResult struct {
	Index       string
	Name        string
	Description string
	Stars       int
	Official    string
	Automated   string
	Tag         string
}
