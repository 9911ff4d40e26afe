module github.com/ccverify/ccverify/go

go 1.22
