import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from ai import fitted, fitting
from copilot import fitted as team_models
from copilot.models import FittedModel
from copilot.pipeline import answerability
from replay import copilot_fit, gate_fit
from replay.reading import ReplayInputError, read_conversations
from tickets.models import Team

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


class Command(BaseCommand):
    help = (
        "Fit the copilot's calibrated models and print their reliability on later, held-out "
        "conversations: the answerability model from replays' results (--out files of "
        "`replay`) and analysts' feedback, the gate from recorded conversations. Saves them as "
        "a team's own (--team) or as the default shipped in the package (--save-default)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("results", nargs="*", help="results files of `replay --out`")
        parser.add_argument(
            "--conversations", nargs="*", default=[], help="replay-format files to fit the gate on"
        )
        parser.add_argument(
            "--fit-share",
            type=float,
            default=0.5,
            help="share of each file's (earlier) conversations to fit on; the rest checks",
        )
        parser.add_argument("--team", help="fit on this team's feedback too and save it as its own")
        parser.add_argument(
            "--save-default", action="store_true", help="write the models shipped in the package"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0.1 <= options["fit_share"] <= 0.95:
            raise CommandError("--fit-share must be between 0.1 and 0.95.")
        team = self._team(options["team"])
        if not options["results"] and not options["conversations"] and team is None:
            raise CommandError("Nothing to fit: give results files, --conversations or --team.")
        if options["results"] or team is not None:
            self._answerability(options, team)
        if options["conversations"]:
            self._gate(options)

    def _team(self, given: str | None) -> Team | None:
        if not given:
            return None
        team = Team.objects.filter(Q(slug=given) | Q(name__iexact=given)).first()
        if team is None:
            raise CommandError(f"No team {given!r}.")
        return team

    def _answerability(self, options: dict[str, Any], team: Team | None) -> None:
        fit, held = copilot_fit.Examples(), copilot_fit.Examples()
        decisions = copilot_fit.Decisions()
        for name in options["results"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name} is not a file.")
            more_fit, more_held, more_decisions = copilot_fit.read_results(
                path, fit_share=options["fit_share"]
            )
            fit.extend(more_fit)
            held.extend(more_held)
            decisions.messages += more_decisions.messages
            decisions.customer_messages += more_decisions.customer_messages
        if team is not None:
            fit.extend(copilot_fit.live_examples([team]))
        try:
            model = fitting.fit(
                answerability.PURPOSE,
                fit.rows,
                fit.labels,
                features=answerability.MODEL_FEATURES,
                notes={
                    "team": team.slug if team else None,
                    "files": [Path(name).name for name in options["results"]],
                },
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"answerability: fitted on {len(fit.labels)} candidates "
            f"({sum(fit.labels)} right), version {model.version}"
        )
        if held.labels:
            self._report("held-out candidates", fitting.check(model, held.rows, held.labels))
            current = fitted.default_model(answerability.PURPOSE)
            before = fitting.check(current, held.rows, held.labels)
            self.stdout.write(f"  log loss of the shipped model on them: {before.log_loss:.4f}")
            self._decisions(model, decisions)
        self._save(model, team, options, fit)

    def _decisions(self, model: fitted.FittedModel, decisions: copilot_fit.Decisions) -> None:
        offered = decisions.offered(model)
        self.stdout.write(
            f"held-out customer messages: {decisions.customer_messages}; the offered answer "
            "at each threshold (spoken, precision, share of messages):"
        )
        for threshold, spoken, precision, share in copilot_fit.precision_at(
            offered, THRESHOLDS, decisions.customer_messages
        ):
            shown = "—" if precision is None else f"{precision:.3f}"
            self.stdout.write(f"  {threshold:.1f}: {spoken:6d}  {shown}  {share:.3f}")

    def _gate(self, options: dict[str, Any]) -> None:
        warnings: list[str] = []
        try:
            sources = [
                list(read_conversations(Path(path), warnings)) for path in options["conversations"]
            ]
        except ReplayInputError as exc:
            raise CommandError(str(exc)) from exc
        for warning in warnings:
            self.stderr.write(f"skipped {warning}")
        try:
            model, check, current = gate_fit.fit(sources, held_out_share=1 - options["fit_share"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"gate: fitted on {model.trained_on} customer messages")
        self._report("held-out customer messages", check)
        self.stdout.write(f"  log loss of the shipped gate on them: {current.log_loss:.4f}")
        if options["save_default"]:
            self._write_default(model)

    def _report(self, what: str, check: fitting.Check) -> None:
        auc = "—" if check.auc is None else f"{check.auc:.3f}"
        self.stdout.write(
            f"  {what}: {check.samples}, right {check.base_rate:.1%}, "
            f"log loss {check.log_loss:.4f}, AUC {auc}"
        )
        self.stdout.write("  reliability (predicted → observed):")
        for row in check.reliability:
            self.stdout.write(
                f"    [{row.low:.1f}, {row.high:.1f}): {row.count:6d}, predicted "
                f"{row.mean_predicted:.2f}, observed {row.observed:.2f}"
            )

    def _save(
        self,
        model: fitted.FittedModel,
        team: Team | None,
        options: dict[str, Any],
        fit: copilot_fit.Examples,
    ) -> None:
        if team is not None:
            FittedModel.objects.filter(team=team, purpose=model.purpose).update(active=False)
            FittedModel.objects.create(
                team=team,
                purpose=model.purpose,
                version=model.version,
                body=json.loads(model.to_json()),
                report={"examples": len(fit.labels), "right": sum(fit.labels)},
            )
            team_models.forget()
            self.stdout.write(f"saved as {team.name}'s {model.purpose} model")
        if options["save_default"]:
            self._write_default(model)

    def _write_default(self, model: fitted.FittedModel) -> None:
        path = fitted.DEFAULTS_DIR / f"{model.purpose}.json"
        path.write_text(model.to_json() + "\n", encoding="utf-8")
        fitted.default_model.cache_clear()
        self.stdout.write(f"wrote {path.name} (the default shipped in the package)")
