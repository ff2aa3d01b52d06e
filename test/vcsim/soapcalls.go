package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"sync"

	"github.com/vmware/govmomi/simulator"
)

// soapCalls counts the SOAP requests vcsim answers on /sdk by method, the name of the first
// element in the envelope's Body (RetrievePropertiesEx, WaitForUpdatesEx, ...): what a client
// costs the vCenter, as the server sees it. GET /stats shows them as "soapCalls".
type soapCalls struct {
	mu       sync.Mutex
	byMethod map[string]int64
}

// countSOAP serves POST /sdk, counting each request's method before vcsim's own handler.
// Registered before vcsim registers /sdk: the method-specific pattern wins over vcsim's.
func countSOAP(mux *http.ServeMux, service *simulator.Service) *soapCalls {
	c := &soapCalls{byMethod: map[string]int64{}}
	mux.HandleFunc("POST /sdk", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err == nil {
			c.add(soapMethod(body))
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		service.ServeSDK(w, r)
	})
	return c
}

// soapMethod is the local name of the Body's first child element ("unknown" when there is none).
func soapMethod(envelope []byte) string {
	decoder := xml.NewDecoder(bytes.NewReader(envelope))
	inBody := false
	for {
		token, err := decoder.Token()
		if err != nil {
			return "unknown"
		}
		if start, ok := token.(xml.StartElement); ok {
			if inBody {
				return start.Name.Local
			}
			inBody = start.Name.Local == "Body"
		}
	}
}

func (c *soapCalls) add(method string) {
	c.mu.Lock()
	c.byMethod[method]++
	c.mu.Unlock()
}

func (c *soapCalls) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	copied := make(map[string]int64, len(c.byMethod))
	for method, n := range c.byMethod {
		copied[method] = n
	}
	return copied
}
