package ccverify

import (
	"os"
	"path/filepath"
)

// repoPath names a file of the ccverify repository, whose shared test vectors the suite runs:
// CCVERIFY_ROOT when set (the module unpacked elsewhere), else the directory above this module.
func repoPath(elem ...string) string {
	root := os.Getenv("CCVERIFY_ROOT")
	if root == "" {
		root = ".."
	}
	return filepath.Join(append([]string{root}, elem...)...)
}

// vectors names a file under tests/vectors.
func vectors(elem ...string) string {
	return repoPath(append([]string{"tests", "vectors"}, elem...)...)
}
