from django.core.management.base import BaseCommand

from tickets import seeding


class Command(BaseCommand):
    help = "Seed the demo teams, accounts and tickets (only into an empty database)."

    def handle(self, *args: object, **options: object) -> None:
        if seeding.demo_is_seeded():
            self.stdout.write("Demo data: the database already has tickets; nothing seeded.")
            return
        count = seeding.seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data: seeded {count} tickets."))
