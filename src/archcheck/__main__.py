from archcheck.cli import main

main(prog_name="archcheck")
