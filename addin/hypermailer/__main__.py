from hypermailer.cli import main

main()
