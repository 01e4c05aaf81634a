module workbench/service

go 1.23
