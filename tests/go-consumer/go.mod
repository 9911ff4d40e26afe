module example.com/ccverify-consumer

go 1.22

require github.com/ccverify/ccverify/go v0.1.0

// make test-go points this at the unpacked module tarball (dist/ccverify-go-VERSION.tar.gz).
replace github.com/ccverify/ccverify/go => ../../go
