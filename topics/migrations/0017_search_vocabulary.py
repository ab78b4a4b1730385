from django.db import migrations, models

# The shipped vocabulary: words worried people type, the words our pages use for the same
# thing, and the page a clinician would send them to (judged from the shipped pages;
# tests/search_relevance.py measures it). Editors change these rows in admin.
DEFAULT_TERMS = [
    ("hirsutism", "extra hair excess hair growth", "polycystic-ovary-syndrome"),
    ("hair on face", "extra hair", "polycystic-ovary-syndrome"),
    ("facial hair", "extra hair", "polycystic-ovary-syndrome"),
    ("extra hair", "", "polycystic-ovary-syndrome"),
    ("irregular periods", "periods", "polycystic-ovary-syndrome"),
    ("missed periods", "periods", "polycystic-ovary-syndrome"),
    ("dark patches", "acanthosis nigricans", "acanthosis-nigricans"),
    ("dark skin", "acanthosis nigricans", "acanthosis-nigricans"),
    ("velvety", "acanthosis nigricans", "acanthosis-nigricans"),
    ("thirsty", "thirst", "signs-and-symptoms"),
    ("thirst", "thirsty", "signs-and-symptoms"),
    ("peeing a lot", "pee", "signs-and-symptoms"),
    ("shaky", "low blood sugar", "low-blood-sugar"),
    ("sweaty", "low blood sugar", "low-blood-sugar"),
    ("dizzy", "low blood sugar", "low-blood-sugar"),
    ("heart attack", "", "prediabetes-and-type-2-diabetes"),
    ("stroke", "", "prediabetes-and-type-2-diabetes"),
    ("large waist", "waist", "metabolic-syndrome"),
    ("big waist", "waist", "metabolic-syndrome"),
    ("belly fat", "waist", "metabolic-syndrome"),
    ("what causes", "causes risk factors", "causes-and-risk-factors"),
    ("reversed", "improve", "managing-insulin-resistance"),
    ("reverse", "improve", "managing-insulin-resistance"),
    ("what should i eat", "healthy eating", "managing-insulin-resistance"),
    ("side effects", "", "metformin-and-pioglitazone"),
    ("get tested", "testing", "getting-tested"),
    ("carrier", "", "genetic-testing-and-counselling"),
    ("kids", "children", "children-and-teens"),
    ("overweight", "weight", ""),
    ("what does insulin do", "how insulin works", "insulin"),
    ("normal a1c", "a1c test", "getting-tested"),
]


def create_terms(apps, schema_editor):
    SearchTerm = apps.get_model("topics", "SearchTerm")
    for phrase, means, topic in DEFAULT_TERMS:
        SearchTerm.objects.get_or_create(phrase=phrase, defaults={"means": means, "topic": topic})


class Migration(migrations.Migration):

    dependencies = [
        ('topics', '0016_unpublish_and_four_eyes'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phrase', models.CharField(help_text='Words a visitor may type, in lower case (e.g. “hirsutism” or “always thirsty”). Matched as whole words anywhere in a search.', max_length=100, unique=True)),
                ('means', models.CharField(blank=True, help_text='Words our pages use for the same thing (e.g. “extra hair”), searched as well.', max_length=200)),
                ('topic', models.SlugField(blank=True, help_text='The slug of the page a clinician would send someone who types this (e.g. “polycystic-ovary-syndrome”), if there is one: it comes first. Leave empty to only add the words.')),
            ],
            options={
                'ordering': ['phrase'],
            },
        ),
        migrations.RunPython(create_terms, migrations.RunPython.noop),
    ]
