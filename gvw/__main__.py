from gvw.cli import main

main()
