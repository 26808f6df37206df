from policydesk.cli import main

raise SystemExit(main())
