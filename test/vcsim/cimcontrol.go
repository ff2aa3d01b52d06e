package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// cimControl is the CIM simulator's control endpoint: the vCenter side reboots a host's CIM
// server and registers the CIM service tickets it issues there. Without a URL it does nothing.
type cimControl struct {
	base   string
	client *http.Client
}

func newCimControl(base string) *cimControl {
	return &cimControl{base: base, client: &http.Client{Timeout: 10 * time.Second}}
}

func (c *cimControl) reboot(host string, downtime time.Duration) error {
	query := url.Values{"seconds": {strconv.FormatFloat(downtime.Seconds(), 'f', -1, 64)}}
	return c.post(host, "reboot?"+query.Encode(), nil)
}

func (c *cimControl) registerTicket(host, ticket string, lifetime time.Duration) error {
	return c.post(host, "tickets", map[string]any{"ticket": ticket, "seconds": lifetime.Seconds()})
}

// post sends POST {base}/hosts/HOST/ACTION; errors name the action and host, never the body (it may hold a ticket).
func (c *cimControl) post(host, action string, body any) error {
	if c.base == "" {
		return nil
	}
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	target := fmt.Sprintf("%s/hosts/%s/%s", c.base, url.PathEscape(host), action)
	res, err := c.client.Post(target, "application/json", bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("CIM simulator control: %s for %s: %w", action, host, err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("CIM simulator control: %s for %s: HTTP %d %s", action, host, res.StatusCode, answer)
	}
	return nil
}
