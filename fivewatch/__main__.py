from fivewatch.cli import main

main()
