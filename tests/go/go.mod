module ccverify.test/cgo

go 1.22
