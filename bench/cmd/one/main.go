package main

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/occasional-digest/digest/extract"
)

func main() {
	id := os.Args[1]
	f, _ := os.Open("/work/shared/corpus/extraction/html/" + id + ".html.gz")
	z, _ := gzip.NewReader(f)
	b, _ := io.ReadAll(z)
	gt, _ := os.ReadFile("/work/shared/corpus/extraction/ground-truth.json")
	var m map[string]map[string]any
	json.Unmarshal(gt, &m)
	u, _ := m[id]["url"].(string)
	a, err := extract.Extract(b, u)
	if err != nil {
		fmt.Println("ERR", err)
		return
	}
	if len(os.Args) > 2 {
		fmt.Println("=== TRUTH")
		fmt.Println(m[id]["articleBody"])
	}
	fmt.Println("=== OURS", a.Title, a.Authors, a.Published, a.Lang)
	fmt.Println(a.Text)
}
