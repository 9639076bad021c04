from coi import create_app

app = create_app()
