module github.com/twilioguard/twilioguard

go 1.26
