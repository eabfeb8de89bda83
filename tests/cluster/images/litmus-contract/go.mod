module chaoslet.dev/litmus-contract

go 1.26
