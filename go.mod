module github.com/hindsight-sre/hindsight

go 1.26
