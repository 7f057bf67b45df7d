package opensearch

import (
	"crypto/x509"
	"errors"
)

func caPool(pem []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("opensearch: ca_file holds no PEM certificate")
	}
	return pool, nil
}
