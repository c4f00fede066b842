// Package version holds pier's version, shared by pier and pier-monitor so
// that pier can refuse a monitor built from other sources.
package version

// Version is set at link time by the Makefile.
var Version = "0.1.0-dev"
